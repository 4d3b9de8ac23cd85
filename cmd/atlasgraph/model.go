package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlasgraph/atlasgraph/actors"
	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/loader/embedded"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
	"github.com/atlasgraph/atlasgraph/threatmodel/actorsource"
)

const modelLong = `Threat models of AI systems (docs/threatmodel.md): components of a documented taxonomy,
data flows with trust boundaries, controls in place and accepted risks, in a short YAML file.
check and report read the ATLAS release the model is pinned to from Neo4j, or from a release
file given with --atlas (no Neo4j needed then).`

// modelCmd is "atlasgraph model": parse flags, call package threatmodel, print.
func (c *cli) modelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "model",
		Short:   "Threat models of your AI system: init, check, report",
		Long:    modelLong,
		GroupID: "ask",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(c.modelInitCmd(), c.modelCheckCmd(), c.modelReportCmd())
	return cmd
}

func (c *cli) modelInitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "init --template NAME -o FILE",
		Short:   "Write a starting model from a template",
		Example: "  atlasgraph model init --template rag-chatbot -o threatmodel.yaml",
		Args:    noArgs,
	}
	tmpl := cmd.Flags().String("template", "", "template: "+strings.Join(threatmodel.Templates, ", "))
	out := cmd.Flags().StringP("output", "o", "", "file to write (- for standard output)")
	force := cmd.Flags().Bool("force", false, "overwrite the file if it exists")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if *tmpl == "" || *out == "" {
			return usageError{msg: "model init needs --template NAME and -o FILE", cmd: cmd.CommandPath()}
		}
		data, err := threatmodel.Template(*tmpl)
		if err != nil {
			return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
		}
		if *out == "-" {
			_, err := c.stdout.Write(data)
			return err
		}
		if err := writeNew(*out, data, *force); err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "wrote %s from template %s; edit it, then run: atlasgraph model report %s\n", *out, *tmpl, *out)
		return nil
	}
	return cmd
}

// writeNew writes a file, refusing to overwrite one unless force.
func writeNew(path string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; pick another name or pass --force to overwrite it", path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// modelEnv holds the flags check and report share.
type modelEnv struct {
	cfg   *config.Neo4j
	atlas *string
	asOf  *string
}

func (c *cli) modelFlags(cmd *cobra.Command) *modelEnv {
	return &modelEnv{
		cfg:   c.neo4jFlags(cmd),
		atlas: cmd.Flags().String("atlas", "", "read the ATLAS release from this file, or \"embedded\" for the release built into atlasgraph, instead of Neo4j"),
		asOf:  cmd.Flags().String("as-of", "", "judge accepted risks on this date, YYYY-MM-DD (default: today, UTC)"),
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
			return nil, nil, usageError{msg: fmt.Sprintf("--as-of %q is not a date; write YYYY-MM-DD", *e.asOf), cmd: "atlasgraph model"}
		}
		svc.Now = func() time.Time { return day }
	}
	if *e.atlas != "" {
		src := loader.Source{Path: *e.atlas}
		if *e.atlas == embedded.Keyword {
			src = loader.Source{Release: embedded.Keyword} // no network, no file
		}
		name, data, err := loader.Fetcher{}.Fetch(ctx, src)
		if err != nil {
			return nil, nil, fmt.Errorf("read the ATLAS release (--atlas): %w", err)
		}
		rel, _, err := loader.Parse(name, data, loader.DefaultLimits())
		if err != nil {
			return nil, nil, err
		}
		svc.Releases = fileRelease{rel: rel, in: analysis.FromRelease(rel)}
		return svc, func() {}, nil
	}
	if err := e.cfg.Validate(); err != nil {
		return nil, nil, err
	}
	driver, err := store.Connect(ctx, e.cfg)
	if err != nil {
		return nil, nil, err
	}
	st := store.New(driver, e.cfg.Database)
	svc.Releases = storeRelease{st}
	svc.Actors = actorsource.New(actors.New(store.NewReader(st, store.ReaderOptions{})))
	return svc, func() { driver.Close(context.Background()) }, nil
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

func (c *cli) modelCheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "check FILE",
		Short:   "Check a model; problems as FILE:LINE:COL: message",
		Example: "  atlasgraph model check threatmodel.yaml\n  atlasgraph model check threatmodel.yaml --atlas ATLAS-2026.05.yaml",
		Args:    exactArgs(1, "one model file"),
	}
	env := c.modelFlags(cmd)
	structure := cmd.Flags().Bool("structure-only", false, "check the file alone, without an ATLAS release (mitigation and technique ids unchecked)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		m, err := readModel(args[0])
		if err != nil {
			return err
		}
		if *structure {
			fmt.Fprintf(c.stdout, "%s: the model is well formed: %d components, %d flows, %d controls, %d accepted risks\n", args[0], len(m.Components), len(m.Flows), len(m.Controls), len(m.AcceptedRisks))
			return nil
		}
		ctx := cmd.Context()
		svc, done, err := env.service(ctx)
		if err != nil {
			return err
		}
		defer done()
		rel, _, err := svc.Check(ctx, m)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s: the model is valid on ATLAS %s: %d components, %d flows, %d controls, %d accepted risks\n", args[0], rel.Version, len(m.Components), len(m.Flows), len(m.Controls), len(m.AcceptedRisks))
		return nil
	}
	return cmd
}

// gateError is a report that fails --fail-on; it exits with status 3.
type gateError struct{ msg string }

func (e gateError) Error() string { return e.msg }

func (c *cli) modelReportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report FILE",
		Short: "Report on a model: applicable techniques, incidents, residual paths, recommendations",
		Example: `  atlasgraph model report threatmodel.yaml --format markdown
  atlasgraph model report threatmodel.yaml --format sarif -o results.sarif --fail-on residual,incident`,
		Args: exactArgs(1, "one model file"),
	}
	env := c.modelFlags(cmd)
	format := cmd.Flags().String("format", "markdown", "output: "+strings.Join(threatmodel.Formats, ", "))
	failOn := cmd.Flags().StringSlice("fail-on", nil, "exit with status 3 when the report has any of: residual, uncovered, incident; accepted risks that have not expired do not count")
	out := cmd.Flags().StringP("output", "o", "", "write the report to this file instead of standard output")
	sarifRoot := cmd.Flags().String("sarif-root", "", "with --format sarif: the folder SARIF URIs are relative to (default: the repository root holding FILE, else the working directory)")
	nav := navigatorFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if !slices.Contains(threatmodel.Formats, *format) {
			return usageError{msg: fmt.Sprintf("--format %q: use one of %s", *format, strings.Join(threatmodel.Formats, ", ")), cmd: cmd.CommandPath()}
		}
		navOut, err := nav.output()
		if err != nil {
			return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
		}
		var sarifOpts threatmodel.SARIFOptions
		if *format == "sarif" {
			root, uri, err := sarifLocation(*sarifRoot, args[0])
			if err != nil {
				return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
			}
			sarifOpts = threatmodel.SARIFOptions{Version: versionString(), Root: root, URI: uri}
		}
		for _, g := range *failOn {
			if !slices.Contains(threatmodel.FailOnValues, g) {
				return usageError{msg: fmt.Sprintf("--fail-on %q: use residual, uncovered or incident", g), cmd: cmd.CommandPath()}
			}
		}
		m, err := readModel(args[0])
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		svc, done, err := env.service(ctx)
		if err != nil {
			return err
		}
		defer done()
		rep, err := svc.Report(ctx, m)
		if err != nil {
			return err
		}
		var data []byte
		switch *format {
		case "sarif":
			data, err = threatmodel.RenderSARIF(rep, sarifOpts)
		case "navigator":
			data, err = threatmodel.Navigator(rep).JSONFor(navOut)
		default:
			data, err = threatmodel.Render(rep, *format)
		}
		if err != nil {
			return err
		}
		if *out != "" {
			if err := os.WriteFile(*out, data, 0o644); err != nil {
				return fmt.Errorf("write the report: %w", err)
			}
		} else if _, err := c.stdout.Write(data); err != nil {
			return err
		}
		if why := rep.Failure(*failOn); why != "" {
			return gateError{fmt.Sprintf("%s fails --fail-on %s: %s", args[0], strings.Join(*failOn, ","), why)}
		}
		return nil
	}
	return cmd
}
