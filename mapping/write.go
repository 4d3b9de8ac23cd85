package mapping

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/atlasgraph/atlasgraph/codescan"
)

// WriteText prints one line per finding, FILE:LINE:COL: level: code:
// message, then a summary.
func WriteText(w io.Writer, r Report) error {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s:%d:%d: %s: %s: %s\n", f.File, f.Line, f.Column, f.Level, f.Code, f.Message)
	}
	fmt.Fprintf(&b, "%s checked against %s (loaded: %s): %s, %s\n",
		plural(r.Rows, "row"), orNone(r.Against), orNone(strings.Join(r.Releases, ", ")), plural(r.Errors, "error"), plural(r.Warnings, "warning"))
	_, err := io.WriteString(w, b.String())
	return err
}

func orNone(s string) string {
	if s == "" {
		return "no release"
	}
	return s
}

// WriteJSON writes the report as one JSON object (camelCase, [] for empty
// lists, no HTML escaping).
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// rules describe each Code for code-scanning viewers: what it means, why
// it matters, what to do.
var rules = []struct {
	code            Code
	level           string
	text, why, todo string
}{
	{MissingID, "error", "The mapping row has no ATLAS id.",
		"A row without an id maps nothing: the control, detection or test it stands for is counted against no ATLAS technique.",
		"Write the ATLAS id (AML.T…, AML.M…, AML.TA…) in the row's id column, or remove the row."},
	{UnknownID, "error", "The ATLAS id is in no loaded release.",
		"An id no release has is a typo or an id from a release that is not loaded: whatever the row maps is counted against nothing.",
		"Correct the id (`atlasgraph search NAME` finds it by name), or load the release the mapping was written against."},
	{Retired, "error", "The ATLAS id was retired: the newest release no longer has it.",
		"Coverage counted against a retired id no longer counts: the technique was removed or merged into another.",
		"Map the row to the id that replaced it (`atlasgraph diff OLD NEW` lists what changed), or remove it."},
	{NameDiffers, "error", "The name written with the ATLAS id is not its name in any release.",
		"When the id and the name disagree, one of them is wrong, and the row may map the wrong technique.",
		"Check which one the row means; write the id's current name, or the id of the technique the name belongs to."},
	{Renamed, "warning", "The ATLAS id was renamed since the mapping was written.",
		"The row still maps the same technique, but readers of the mapping see an outdated name.",
		"Write the id's current name."},
	{MeaningChanged, "warning", "The ATLAS id named another technique in an earlier release.",
		"The id was reused: the row may have been written for the technique the id used to name, and now maps another one.",
		"Check which technique the row means and write its current id."},
	{UnknownRelease, "warning", "The mapping names a release that is not loaded.",
		"The row cannot be checked against the release it was written for.",
		"Load that release (`atlasgraph load --release VERSION`) or correct the release column."},
}

// SARIFOptions say where the mapping's files are for code scanning.
type SARIFOptions struct {
	// Version is atlasgraph's version, made one line.
	Version string
	// Root is the source root the files' URIs are relative to; nil writes
	// the paths as given, without a base id.
	Root *codescan.Root
}

// SARIF builds a SARIF 2.1.0 log of the report: one result per finding,
// located at the row's line and column in its file, with a fingerprint of
// the rule, the file and the row's id and name (not its line). A file
// outside the root is an error naming --sarif-root.
func SARIF(r Report, o SARIFOptions) (*codescan.Log, error) {
	log := codescan.NewLog(o.Version, o.Root)
	for _, rule := range rules {
		log.AddRule(codescan.Rule{
			ID: string(rule.code), ShortDescription: codescan.Message{Text: rule.text},
			FullDescription:      codescan.Message{Text: rule.text + " " + rule.why},
			Help:                 codescan.Help{Text: rule.why + " " + rule.todo, Markdown: "**" + rule.text + "**\n\n" + rule.why + "\n\n**What to do**: " + rule.todo + "\n"},
			HelpURI:              "https://github.com/atlasgraph/atlasgraph/blob/main/docs/releases.md",
			DefaultConfiguration: &codescan.Configuration{Level: rule.level},
			Properties:           map[string]any{"tags": []string{"mitre-atlas", "mapping"}},
		})
	}
	for _, f := range r.Findings {
		uri, base := filepath.ToSlash(f.File), ""
		if o.Root != nil {
			u, err := o.Root.URIOf(f.File)
			if err != nil {
				return nil, err
			}
			uri, base = u, codescan.RootID
		}
		log.Add(codescan.Result{
			RuleID: string(f.Code), Level: f.Level,
			Message: codescan.Message{Text: f.Message},
			Locations: []codescan.Location{{PhysicalLocation: codescan.PhysicalLocation{
				ArtifactLocation: codescan.ArtifactLocation{URI: uri, URIBaseID: base},
				Region:           &codescan.Region{StartLine: max(f.Line, 1), StartColumn: f.Column},
			}}},
			PartialFingerprints: map[string]string{codescan.FingerprintKey: codescan.Fingerprint(string(f.Code), uri, f.ID, f.Name, f.Release)},
		})
	}
	return log, nil
}

// WriteSARIF writes the report as a SARIF 2.1.0 log.
func WriteSARIF(w io.Writer, r Report, o SARIFOptions) error {
	log, err := SARIF(r, o)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// plural writes "1 error", "2 errors".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
