package loader

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/yamlpos"
)

// Limits bounds what Parse accepts, so a hostile or broken file cannot
// exhaust memory. The zero value means DefaultLimits.
type Limits struct {
	// MaxBytes is the largest file accepted.
	MaxBytes int64
	// MaxNodes is the largest number of YAML nodes (scalars, lists and
	// mappings) accepted.
	MaxNodes int
}

// DefaultLimits allow releases about 200 times the size of ATLAS 2026.05.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 256 << 20, MaxNodes: 20_000_000}
}

// Id patterns. Four or more digits, so synthetic releases larger than ATLAS
// still fit.
var (
	tacticID     = regexp.MustCompile(`^AML\.TA\d{4,}$`)
	techniqueID  = regexp.MustCompile(`^AML\.T\d{4,}$`)
	subID        = regexp.MustCompile(`^(AML\.T\d{4,})\.\d{3}$`)
	mitigationID = regexp.MustCompile(`^AML\.M\d{4,}$`)
	caseStudyID  = regexp.MustCompile(`^AML\.CS\d{4,}$`)
	stepID       = regexp.MustCompile(`^S(\d{2,})$`)
)

// Parse reads the bytes of one ATLAS release file in either layout, checks
// all of it, and returns the release with the warnings about what it
// repaired the way upstream does (a link listed twice). name is used in messages (a path or a
// URL). On any problem it returns a *ValidationError listing all of them,
// with places, and no release. It never panics on any input.
func Parse(name string, data []byte, lim Limits) (rel *atlas.Release, warnings []Problem, err error) {
	if lim.MaxBytes == 0 {
		lim = DefaultLimits()
	}
	ps := &problems{file: name}
	defer func() {
		// The YAML library is not ours: a panic in it must still reach the
		// user as an error naming the file.
		if v := recover(); v != nil {
			rel = nil
			err = fmt.Errorf("%s: cannot read this file as YAML (%v); check that it is an ATLAS release", name, v)
		}
	}()
	if int64(len(data)) > lim.MaxBytes {
		ps.add(Problem{Msg: fmt.Sprintf("the file is %d bytes, more than the limit of %d; raise --max-bytes if this release really is that large", len(data), lim.MaxBytes)})
		return nil, nil, ps.err()
	}
	if looksLikeHTML(data) {
		ps.add(Problem{Line: 1, Column: 1, Msg: "this is an HTML page, not a YAML release; give the raw release file (on GitHub, the \"Raw\" link), not the page that shows it"})
		return nil, nil, ps.err()
	}
	root, yprobs := yamlpos.Read(data, yamlpos.Rules{
		Plural:       "ATLAS releases",
		MaxNodes:     lim.MaxNodes,
		TooManyNodes: "raise --max-nodes if this release really is that large",
		Empty:        "give an ATLAS release YAML file",
		Several:      "an ATLAS release is one document (remove the extra '---')",
	})
	for _, yp := range yprobs {
		ps.add(Problem{Line: yp.Line, Column: yp.Column, Msg: yp.Msg})
	}
	if root == nil {
		return nil, nil, ps.err()
	}
	r := &reader{ps: ps}
	top := r.open(root, "", "")
	if top == nil {
		return nil, nil, ps.err()
	}
	switch {
	case top.has("format-version"):
		fv := top.str("format-version", true)
		if !checkFormatVersion(r, top.vals["format-version"], fv) {
			return nil, nil, ps.err()
		}
		rel = parseV6(r, top, fv)
		rel.Format = atlas.FormatV6
		rel.FormatVersion = fv
	case top.has("matrices"):
		rel = parseLegacy(r, top)
		rel.Format = atlas.FormatLegacy
	default:
		r.problem(root, "", "", "not an ATLAS release: the top level has neither format-version (v6 layout) nor matrices (legacy layout)")
		return nil, nil, ps.err()
	}
	if err := ps.err(); err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(data)
	rel.SHA256 = hex.EncodeToString(sum[:])
	rel.Source = name
	normalizeActors(rel)
	sort.SliceStable(r.warnings, func(i, j int) bool {
		a, b := r.warnings[i], r.warnings[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return rel, r.warnings, nil
}

// SupportedFormats says, for messages, which layouts this atlasgraph reads.
const SupportedFormats = "format-version 6.x (releases 2026.05 and later) and the legacy layout (releases 4.x and 5.x)"

var formatVersionRE = regexp.MustCompile(`^(\d+)\.(\d+)(\.\d+)?$`)

// checkFormatVersion accepts any 6.x: a minor version adds to the layout,
// and what this atlasgraph does not know is kept and warned about. Another
// major version changes the layout, and guessing could load it wrong.
func checkFormatVersion(r *reader, at *yaml.Node, fv string) bool {
	if fv == "" {
		return false
	}
	m := formatVersionRE.FindStringSubmatch(fv)
	if m == nil {
		r.problem(at, "", "format-version", "%q is not a format version (want MAJOR.MINOR.PATCH, e.g. 6.0.0)", fv)
		return false
	}
	if m[1] != "6" {
		r.problem(at, "", "format-version", "format-version %s is not one this atlasgraph reads: it reads %s. "+
			"Upgrade atlasgraph to a version that reads format %s.x (see docs/releases.md), or load an older release (atlasgraph releases upstream lists them)", fv, SupportedFormats, m[1])
		return false
	}
	return true
}

// objectFields names the keys of the common fields, which differ between
// the layouts.
type objectFields struct {
	description, created, modified, attack string
}

var (
	v6Fields     = objectFields{"description", "created-date", "modified-date", "attack-reference"}
	legacyFields = objectFields{"description", "created_date", "modified_date", "ATT&CK-reference"}
)

// object reads the fields every ATLAS object has. id is the id the object
// is filed under (the map key in v6, the id field in legacy).
func (r *reader) object(f *fields, id, objectType string, pattern *regexp.Regexp, keys objectFields) atlas.Object {
	o := atlas.Object{ID: id}
	if got := f.str("id", true); got != "" && got != id {
		r.problem(f.vals["id"], id, "id", "id %q differs from the key %q it is filed under", got, id)
	}
	if !pattern.MatchString(id) {
		r.problem(f.n, id, "id", "%q is not a %s id (want the pattern %s)", id, objectType, pattern)
	}
	if t := f.str("object-type", true); t != "" && t != objectType {
		r.problem(f.vals["object-type"], id, "object-type", "unknown or misplaced object-type %q here; want %q", t, objectType)
	}
	o.Name = f.str("name", true)
	o.Description = f.str(keys.description, false)
	o.UUID = f.str("uuid", false)
	o.Created = f.date(keys.created)
	o.Modified = f.date(keys.modified)
	for i, rn := range f.seq("references") {
		rf := r.open(rn, id, fmt.Sprintf("references[%d]", i))
		if rf == nil {
			continue
		}
		o.References = append(o.References, atlas.Reference{
			ID: rf.str("id", false), Title: rf.str("title", false), URL: rf.str("url", false),
		})
		if ex := rf.extra(); ex != "" {
			r.problem(rn, id, fmt.Sprintf("references[%d]", i), "unknown fields %s; a reference has id, title and url", ex)
		}
	}
	if f.has(keys.attack) {
		if af := r.open(f.get(keys.attack), id, keys.attack); af != nil {
			o.Attack = &atlas.AttackRef{ID: af.str("id", true), URL: af.str("url", false)}
		}
	} else {
		f.get(keys.attack)
	}
	return o
}

// stepNumber orders step ids numerically: S02 < S10 < S100.
func stepNumber(id string) int {
	m := stepID.FindStringSubmatch(id)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// dedupeMitigates sorts a mitigation's links by technique and merges
// repeated links to one technique into one, keeping the last description,
// as upstream did when it moved 5.6.0 to v6. Each merge is a warning.
func (r *reader) dedupeMitigates(id string, at *yaml.Node, in []atlas.Mitigates) []atlas.Mitigates {
	sort.SliceStable(in, func(i, j int) bool { return in[i].Technique < in[j].Technique })
	out := in[:0]
	for _, m := range in {
		if n := len(out); n > 0 && out[n-1].Technique == m.Technique {
			r.warn(at, id, "mitigates", "technique %q is listed more than once; kept the last description", m.Technique)
			out[n-1] = m
			continue
		}
		out = append(out, m)
	}
	return out
}

func sortSteps(steps []atlas.Step) {
	sort.SliceStable(steps, func(i, j int) bool { return stepNumber(steps[i].ID) < stepNumber(steps[j].ID) })
}

// checkStepGraph reports next-step ids that name no step of the case study
// and cycles among the steps: a chain must run from first steps to last.
func (r *reader) checkStepGraph(cs string, steps []atlas.Step, at map[string]*yaml.Node) {
	byID := map[string]int{}
	for i, s := range steps {
		byID[s.ID] = i
	}
	for _, s := range steps {
		for _, n := range s.LeadsTo {
			if _, ok := byID[n]; !ok {
				r.problem(at[s.ID], cs, s.ID+".leads-to", "unknown step %q; this case study has no such step", n)
			}
		}
	}
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(steps))
	reported := false
	var visit func(i int)
	visit = func(i int) {
		color[i] = grey
		for _, n := range steps[i].LeadsTo {
			j, ok := byID[n]
			if !ok {
				continue
			}
			switch color[j] {
			case grey:
				if !reported {
					r.problem(at[steps[i].ID], cs, steps[i].ID+".leads-to", "step %s leads back to step %s: steps must not form a cycle", steps[i].ID, n)
					reported = true
				}
			case white:
				visit(j)
			}
		}
		color[i] = black
	}
	for i := range steps {
		if color[i] == white {
			visit(i)
		}
	}
}

// normalizeMaturity maps legacy lowercase maturity to the v6 words.
func normalizeWord(s string, words ...string) (string, bool) {
	for _, w := range words {
		if strings.EqualFold(s, w) {
			return w, true
		}
	}
	return s, false
}

var maturities = []string{"Feasible", "Demonstrated", "Realized"}
