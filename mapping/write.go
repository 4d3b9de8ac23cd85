package mapping

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// WriteText prints one line per finding, FILE:LINE:COL: level: code:
// message, then a summary.
func WriteText(w io.Writer, r Report) error {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s:%d:%d: %s: %s: %s\n", f.File, f.Line, f.Column, f.Level, f.Code, f.Message)
	}
	fmt.Fprintf(&b, "%d rows checked against %s (loaded: %s): %d errors, %d warnings\n",
		r.Rows, orNone(r.Against), orNone(strings.Join(r.Releases, ", ")), r.Errors, r.Warnings)
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

// rules describe each Code for SARIF viewers.
var rules = []struct {
	code Code
	text string
}{
	{MissingID, "The mapping row has no ATLAS id."},
	{UnknownID, "The ATLAS id is in no loaded release."},
	{Retired, "The ATLAS id was retired: the newest release no longer has it."},
	{NameDiffers, "The name written with the ATLAS id is not its name in any release."},
	{Renamed, "The ATLAS id was renamed since the mapping was written."},
	{MeaningChanged, "The ATLAS id named another technique in an earlier release."},
	{UnknownRelease, "The mapping names a release that is not loaded."},
}

// SARIF builds a SARIF 2.1.0 log of the report: one result per finding,
// located at the row's line and column in its file.
func SARIF(r Report, toolVersion string) *sarif.Report {
	rep := sarif.NewReport()
	run := sarif.NewRunWithInformationURI("atlasgraph", "https://atlas.mitre.org")
	if toolVersion != "" {
		run.Tool.Driver.Version = &toolVersion
	}
	for _, rule := range rules {
		run.AddRule(string(rule.code)).WithDescription(rule.text)
	}
	for _, f := range r.Findings {
		uri := filepath.ToSlash(f.File)
		run.AddDistinctArtifact(uri)
		region := sarif.NewRegion().WithStartLine(max(f.Line, 1))
		if f.Column > 0 {
			region.WithStartColumn(f.Column)
		}
		run.CreateResultForRule(string(f.Code)).
			WithLevel(f.Level).
			WithMessage(sarif.NewTextMessage(f.Message)).
			WithLocations([]*sarif.Location{sarif.NewLocationWithPhysicalLocation(
				sarif.NewPhysicalLocation().
					WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri)).
					WithRegion(region))})
	}
	rep.AddRun(run)
	return rep
}

// WriteSARIF writes the report as a SARIF 2.1.0 log.
func WriteSARIF(w io.Writer, r Report, toolVersion string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(SARIF(r, toolVersion))
}
