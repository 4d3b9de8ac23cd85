package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

const modelUsage = `atlasgraph model: threat models of AI systems (see docs/threatmodel.md).

Usage:
  atlasgraph model init --template NAME -o FILE     write a starting model (rag-chatbot, agent-with-tools, training-pipeline, fraud-classifier)
  atlasgraph model check FILE [--atlas RELEASE.yaml]  check a model; problems as FILE:LINE:COL: message
  atlasgraph model report FILE [--format F] [--fail-on residual,uncovered,incident] [--atlas RELEASE.yaml] [-o OUT]
      formats: markdown (default), json, navigator, sarif, mermaid

check and report read the ATLAS release the model is pinned to from Neo4j
(NEO4J_* settings), or from a release file given with --atlas.
`

// runModel is the "model" command: parse flags, call package threatmodel, print.
func runModel(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, modelUsage)
		return nil
	}
	switch args[0] {
	case "init":
		return runModelInit(args[1:], stdout, stderr)
	case "check":
		return runModelCheck(ctx, args[1:], getenv, stdout, stderr)
	case "report":
		return runModelReport(ctx, args[1:], getenv, stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown model command %q; use init, check or report", args[0])}
}

func runModelInit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("model init", stderr)
	tmpl := fs.String("template", "", "template: "+strings.Join(threatmodel.Templates, ", "))
	out := fs.String("o", "", "file to write (- for standard output)")
	force := fs.Bool("force", false, "overwrite FILE if it exists")
	if _, err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if *tmpl == "" || *out == "" {
		return usageError{"model init needs --template NAME and -o FILE"}
	}
	data, err := threatmodel.Template(*tmpl)
	if err != nil {
		return usageError{err.Error()}
	}
	if *out == "-" {
		_, err := stdout.Write(data)
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if *force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(*out, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; pick another name or pass --force to overwrite it", *out)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	fmt.Fprintf(stderr, "wrote %s from template %s; edit it, then run: atlasgraph model report %s\n", *out, *tmpl, *out)
	return nil
}

// modelEnv holds the flags check and report share.
type modelEnv struct {
	cfg   *config.Neo4j
	atlas *string
	asOf  *string
}

func modelFlags(fs *flag.FlagSet, getenv func(string) string) *modelEnv {
	return &modelEnv{
		cfg:   config.Neo4jFlags(fs, getenv),
		atlas: fs.String("atlas", "", "read the ATLAS release from this file instead of Neo4j"),
		asOf:  fs.String("as-of", "", "judge accepted risks on this date, YYYY-MM-DD (default: today, UTC)"),
	}
}

// service wires the threat-model service to a release source: a file, or
// the store.
func (e *modelEnv) service(ctx context.Context) (*threatmodel.Service, func(), error) {
	rules, err := threatmodel.DefaultRules()
	if err != nil {
		return nil, nil, err
	}
	svc := &threatmodel.Service{Rules: rules}
	if *e.asOf != "" {
		day, err := time.Parse(time.DateOnly, *e.asOf)
		if err != nil {
			return nil, nil, usageError{fmt.Sprintf("--as-of %q is not a date; write YYYY-MM-DD", *e.asOf)}
		}
		svc.Now = func() time.Time { return day }
	}
	if *e.atlas != "" {
		data, err := os.ReadFile(*e.atlas)
		if err != nil {
			return nil, nil, fmt.Errorf("read the ATLAS release: %w", err)
		}
		rel, _, err := loader.Parse(*e.atlas, data, loader.DefaultLimits())
		if err != nil {
			return nil, nil, err
		}
		svc.Releases = fileRelease{rel: rel, in: analysis.FromRelease(rel)}
		return svc, func() {}, nil
	}
	st, closeStore, err := openStore(ctx, e.cfg)
	if err != nil {
		return nil, nil, err
	}
	svc.Releases = storeRelease{st}
	return svc, closeStore, nil
}

// fileRelease serves the one release read from --atlas.
type fileRelease struct {
	rel *atlas.Release
	in  *analysis.Input
}

func (f fileRelease) ReleaseForModel(_ context.Context, version string) (*atlas.Release, *analysis.Input, error) {
	if version != "" && version != f.rel.Version {
		return nil, nil, fmt.Errorf("the model is pinned to ATLAS %s but %s holds %s; give that release or change atlasRelease", version, f.rel.Source, f.rel.Version)
	}
	return f.rel, f.in, nil
}

// storeRelease reads the release from Neo4j.
type storeRelease struct{ st *store.Store }

func (s storeRelease) ReleaseForModel(ctx context.Context, version string) (*atlas.Release, *analysis.Input, error) {
	rel, err := s.st.AnalysisView(ctx, version)
	if err != nil {
		return nil, nil, err
	}
	return rel, analysis.FromRelease(rel), nil
}

func readModel(path string) (*threatmodel.Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the model: %w", err)
	}
	return threatmodel.Parse(path, data, threatmodel.Limits{})
}

func runModelCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("model check", stderr)
	env := modelFlags(fs, getenv)
	structure := fs.Bool("structure-only", false, "check the file alone, without an ATLAS release (mitigation and technique ids unchecked)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 1 {
		return usageError{"model check needs one model file"}
	}
	m, err := readModel(pos[0])
	if err != nil {
		return err
	}
	if *structure {
		fmt.Fprintf(stdout, "%s: the model is well formed: %d components, %d flows, %d controls, %d accepted risks\n", pos[0], len(m.Components), len(m.Flows), len(m.Controls), len(m.AcceptedRisks))
		return nil
	}
	svc, done, err := env.service(ctx)
	if err != nil {
		return err
	}
	defer done()
	rel, _, err := svc.Check(ctx, m)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: the model is valid on ATLAS %s: %d components, %d flows, %d controls, %d accepted risks\n", pos[0], rel.Version, len(m.Components), len(m.Flows), len(m.Controls), len(m.AcceptedRisks))
	return nil
}

// gateError is a report that fails --fail-on; it exits with status 3.
type gateError struct{ msg string }

func (e gateError) Error() string { return e.msg }

func runModelReport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("model report", stderr)
	env := modelFlags(fs, getenv)
	format := fs.String("format", "markdown", "output: "+strings.Join(threatmodel.Formats, ", "))
	failOn := fs.String("fail-on", "", "exit with status 3 when the report has any of: residual, uncovered, incident (comma-separated); accepted risks that have not expired do not count")
	out := fs.String("o", "", "write the report to this file instead of standard output")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 1 {
		return usageError{"model report needs one model file"}
	}
	if !slices.Contains(threatmodel.Formats, *format) {
		return usageError{fmt.Sprintf("--format %q: use one of %s", *format, strings.Join(threatmodel.Formats, ", "))}
	}
	var gates []string
	if *failOn != "" {
		for _, g := range strings.Split(*failOn, ",") {
			g = strings.TrimSpace(g)
			if !slices.Contains(threatmodel.FailOnValues, g) {
				return usageError{fmt.Sprintf("--fail-on %q: use residual, uncovered or incident", g)}
			}
			gates = append(gates, g)
		}
	}
	m, err := readModel(pos[0])
	if err != nil {
		return err
	}
	svc, done, err := env.service(ctx)
	if err != nil {
		return err
	}
	defer done()
	rep, err := svc.Report(ctx, m)
	if err != nil {
		return err
	}
	data, err := threatmodel.Render(rep, *format)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
	} else if _, err := stdout.Write(data); err != nil {
		return err
	}
	if why := rep.Failure(gates); why != "" {
		return gateError{fmt.Sprintf("%s fails --fail-on %s: %s", pos[0], *failOn, why)}
	}
	return nil
}
