package attack

import (
	"regexp"
	"strings"
)

// citationRun is one or more adjacent "(Citation: NAME)" markers, as ATT&CK writes them in
// descriptions; its source names are the external_references' source_name values.
var citationRun = regexp.MustCompile(`\(Citation: [^()]*\)(?:\s*\(Citation: [^()]*\))*`)

var citationName = regexp.MustCompile(`\(Citation: ([^()]*)\)`)

// RenderCitations writes ATT&CK's citation markup for people: each run of adjacent
// "(Citation: A)(Citation: B)" becomes "(A; B)", the names of the sources, as the ATT&CK
// website shows them in its reference list. Text without markup is returned unchanged.
func RenderCitations(s string) string {
	if !strings.Contains(s, "(Citation:") {
		return s
	}
	return citationRun.ReplaceAllStringFunc(s, func(run string) string {
		var names []string
		for _, m := range citationName.FindAllStringSubmatch(run, -1) {
			if n := strings.TrimSpace(m[1]); n != "" {
				names = append(names, n)
			}
		}
		return "(" + strings.Join(names, "; ") + ")"
	})
}
