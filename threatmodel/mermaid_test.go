package threatmodel

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// mermaidEntity is how Mermaid reads entity codes in a label ("#35;",
// "#quot;") before the label is rendered as HTML.
var mermaidEntity = regexp.MustCompile(`#(\w+);`)

// asMermaidShows is the text Mermaid shows for a label: its entity codes
// become HTML entities ("#35;" is "&#35;", "#quot;" is "&quot;", as
// Mermaid's encodeEntities and decodeEntities do), and the browser decodes
// the HTML.
func asMermaidShows(label string) string {
	return html.UnescapeString(mermaidEntity.ReplaceAllStringFunc(label, func(code string) string {
		inner := code[1 : len(code)-1]
		if strings.Trim(inner, "0123456789") == "" {
			return "&#" + inner + ";"
		}
		return "&" + inner + ";"
	}))
}

func TestMermaidTextShowsTheName(t *testing.T) {
	for _, name := range []string{
		"Agent #1; tools",
		"R&D &amp; ops",
		`the "quoted" <b>bold</b> one`,
		"pipes | and `backticks`",
		"#quot; and #35; written by hand",
		"C# & F# services",
		"plain name",
	} {
		t.Run(name, func(t *testing.T) {
			label := mermaidText(name)
			for _, bad := range []string{`"`, "<", ">", "|", "`", "&"} {
				if strings.Contains(label, bad) {
					t.Errorf("label %q keeps %q", label, bad)
				}
			}
			if got := asMermaidShows(label); got != name {
				t.Errorf("Mermaid shows %q for %q (label %q)", got, name, label)
			}
		})
	}
	if got := mermaidText("two\nlines\r\nhere"); got != "two lines here" {
		t.Errorf("line breaks: %q", got)
	}
}
