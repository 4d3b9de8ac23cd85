package loader

import (
	"fmt"
	"sort"
	"strings"
)

// MaxErrors is how many problems one validation run reports before it stops
// collecting; the count of the rest is still given.
const MaxErrors = 100

// Problem is one thing wrong with a release file, at a place in it.
type Problem struct {
	File   string
	Line   int // 1-based; 0 when the problem has no single place
	Column int
	// Object is the id of the ATLAS object the problem belongs to, if any.
	Object string
	// Field is the path of the field within the object, e.g. "achieves[0]".
	Field string
	Msg   string
}

// String formats the problem as FILE:LINE:COL: OBJECT: FIELD: message.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	if p.Object != "" {
		b.WriteString(p.Object)
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// ValidationError is returned when a release file is not a valid ATLAS
// release. It lists every problem found, up to MaxErrors. Nothing is written
// anywhere when a file fails validation.
type ValidationError struct {
	File     string
	Problems []Problem
	// Omitted counts problems found past MaxErrors.
	Omitted int
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	n := len(e.Problems) + e.Omitted
	fmt.Fprintf(&b, "%s is not a valid ATLAS release (%d problem", e.File, n)
	if n != 1 {
		b.WriteString("s")
	}
	b.WriteString("); nothing was loaded. Fix the file or load another release:")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more", e.Omitted)
	}
	return b.String()
}

// problems collects Problems for one file, up to MaxErrors.
type problems struct {
	file    string
	list    []Problem
	omitted int
}

func (ps *problems) add(p Problem) {
	p.File = ps.file
	if len(ps.list) >= MaxErrors {
		ps.omitted++
		return
	}
	ps.list = append(ps.list, p)
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	sort.SliceStable(ps.list, func(i, j int) bool {
		a, b := ps.list[i], ps.list[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return &ValidationError{File: ps.file, Problems: ps.list, Omitted: ps.omitted}
}
