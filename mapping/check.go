package mapping

import (
	"fmt"
	"sort"
	"strings"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// Names is what Check needs of one loaded release: the name of every id.
type Names struct {
	Version string
	// Objects maps each tactic, technique, mitigation and case-study id to
	// its name.
	Objects map[string]string
}

// NamesOf takes the names of a release's objects.
func NamesOf(r *atlas.Release) Names {
	n := Names{Version: r.Version, Objects: map[string]string{}}
	for _, t := range r.Tactics {
		n.Objects[t.ID] = t.Name
	}
	for _, t := range r.Techniques {
		n.Objects[t.ID] = t.Name
	}
	for _, m := range r.Mitigations {
		n.Objects[m.ID] = m.Name
	}
	for _, c := range r.CaseStudies {
		n.Objects[c.ID] = c.Name
	}
	return n
}

// Code classifies a finding.
type Code string

// What Check finds. Errors make Report.Failed true; warnings do not.
const (
	// MissingID: the row has no id (error).
	MissingID Code = "missing-id"
	// UnknownID: no loaded release has the id (error).
	UnknownID Code = "unknown-id"
	// Retired: the newest release no longer has the id (error).
	Retired Code = "retired"
	// NameDiffers: the id has another name, in every release (error).
	NameDiffers Code = "name-differs"
	// Renamed: the row has the name the id had in an earlier release
	// (warning: the mapping was right then).
	Renamed Code = "renamed"
	// MeaningChanged: in an earlier release the id named a technique that
	// another id names now (error when the row has that old name, warning
	// otherwise).
	MeaningChanged Code = "meaning-changed"
	// UnknownRelease: the row names a release that is not loaded (warning).
	UnknownRelease Code = "unknown-release"
)

// Levels of a finding, as SARIF names them.
const (
	LevelError   = "error"
	LevelWarning = "warning"
)

// Finding is one thing wrong with one row.
type Finding struct {
	Row
	Code    Code   `json:"code"`
	Level   string `json:"level"`
	Message string `json:"message"`
	// Release is the release the finding is about: the one checked
	// against, the last that had a retired id, or the earlier one where
	// the id had the row's name or another meaning.
	Release string `json:"about"`
	// CurrentName is the id's name in the newest release, when it has one.
	CurrentName string `json:"currentName,omitempty"`
	// Suggestion is the id that has the row's name in the newest release,
	// when another id has it.
	Suggestion string `json:"suggestion,omitempty"`
}

// Report is the result of checking a mapping file.
type Report struct {
	// Against is the newest loaded release, which rows are checked
	// against; Releases are all the loaded ones, oldest first.
	Against  string    `json:"against"`
	Releases []string  `json:"releases"`
	Rows     int       `json:"rows"`
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
	Findings []Finding `json:"findings"`
}

// Failed reports whether any finding is an error (for a CI exit status).
func (r Report) Failed() bool { return r.Errors > 0 }

// About is the release the finding is about (the GraphQL field name).
func (f Finding) About() string { return f.Release }

// norm compares names ignoring case and runs of spaces.
func norm(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// Check checks every row against every release (in any order; they are
// ordered by version, newest last). With no release every row is an
// UnknownID error.
func Check(rows []Row, releases []Names) Report {
	rels := append([]Names(nil), releases...)
	sort.SliceStable(rels, func(i, j int) bool { return atlas.CompareVersions(rels[i].Version, rels[j].Version) < 0 })
	rep := Report{Releases: []string{}, Rows: len(rows), Findings: []Finding{}}
	for _, r := range rels {
		rep.Releases = append(rep.Releases, r.Version)
	}
	var newest Names
	if len(rels) > 0 {
		newest = rels[len(rels)-1]
		rep.Against = newest.Version
	}
	byName := map[string]string{} // normalised name -> id, in the newest release
	for id, name := range newest.Objects {
		if prev, ok := byName[norm(name)]; !ok || id < prev {
			byName[norm(name)] = id
		}
	}
	loaded := map[string]bool{}
	for _, r := range rels {
		loaded[r.Version] = true
	}

	for _, row := range rows {
		add := func(code Code, level, about, format string, args ...any) *Finding {
			rep.Findings = append(rep.Findings, Finding{Row: row, Code: code, Level: level, Release: about, Message: fmt.Sprintf(format, args...)})
			if level == LevelError {
				rep.Errors++
			} else {
				rep.Warnings++
			}
			return &rep.Findings[len(rep.Findings)-1]
		}
		suggest := func(f *Finding) {
			if row.Name == "" {
				return
			}
			if other, ok := byName[norm(row.Name)]; ok && other != row.ID {
				f.Suggestion = other
				f.Message += fmt.Sprintf("; %q is %s in %s", row.Name, other, newest.Version)
			}
		}
		if row.ID == "" {
			f := add(MissingID, LevelError, newest.Version, "the row has no id")
			suggest(f)
			continue
		}
		if row.Release != "" && !loaded[row.Release] {
			add(UnknownRelease, LevelWarning, row.Release, "release %s is not loaded (loaded: %s); the row is checked against %s",
				row.Release, strings.Join(rep.Releases, ", "), newest.Version)
		}
		var had []Names
		for _, r := range rels {
			if _, ok := r.Objects[row.ID]; ok {
				had = append(had, r)
			}
		}
		switch {
		case len(had) == 0:
			f := add(UnknownID, LevelError, newest.Version, "%s is in no loaded release (%s)", row.ID, strings.Join(rep.Releases, ", "))
			suggest(f)
			continue
		case had[len(had)-1].Version != newest.Version:
			last := had[len(had)-1]
			f := add(Retired, LevelError, last.Version, "%s is retired: the last release that has it is %s, where it is %q; %s does not",
				row.ID, last.Version, last.Objects[row.ID], newest.Version)
			suggest(f)
			continue
		}
		cur := newest.Objects[row.ID]
		// Earlier names of the id, newest first, and what they name now.
		meantOther := ""
		for i := len(had) - 2; i >= 0; i-- {
			old := had[i].Objects[row.ID]
			if norm(old) == norm(cur) {
				continue
			}
			other, ok := byName[norm(old)]
			if !ok || other == row.ID {
				continue
			}
			if row.Release != "" && loaded[row.Release] && atlas.CompareVersions(row.Release, had[i].Version) > 0 {
				continue // written after the change
			}
			level := LevelWarning
			if row.Name != "" && norm(row.Name) == norm(old) {
				level = LevelError
				meantOther = old
			}
			f := add(MeaningChanged, level, had[i].Version, "%s meant %q in %s; that technique is %s in %s, and %s is now %q",
				row.ID, old, had[i].Version, other, newest.Version, row.ID, cur)
			f.CurrentName, f.Suggestion = cur, other
			break
		}
		if row.Name == "" || norm(row.Name) == norm(cur) || meantOther != "" {
			continue
		}
		renamedFrom := ""
		for i := len(had) - 2; i >= 0; i-- {
			if norm(had[i].Objects[row.ID]) == norm(row.Name) {
				renamedFrom = had[i].Version
				break
			}
		}
		if renamedFrom != "" {
			f := add(Renamed, LevelWarning, renamedFrom, "%s was %q in %s and is %q in %s; update the name", row.ID, row.Name, renamedFrom, cur, newest.Version)
			f.CurrentName = cur
			continue
		}
		f := add(NameDiffers, LevelError, newest.Version, "%s is %q in %s, not %q", row.ID, cur, newest.Version, row.Name)
		f.CurrentName = cur
		suggest(f)
	}
	return rep
}
