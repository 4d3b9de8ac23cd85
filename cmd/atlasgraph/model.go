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

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/internal/config"
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
	tmpl := cmd.Flags().String("template", "", "template: "+strings.Join(app.ModelTemplates, ", "))
	out := cmd.Flags().StringP("output", "o", "", "file to write (- for standard output)")
	force := cmd.Flags().Bool("force", false, "overwrite the file if it exists")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if *tmpl == "" || *out == "" {
			return usageError{msg: "model init needs --template NAME and -o FILE", cmd: cmd.CommandPath()}
		}
		data, err := app.ModelTemplate(*tmpl)
		if err != nil {
			return usageError{msg: app.ErrorMessage(err), cmd: cmd.CommandPath()}
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
		atlas: cmd.Flags().String("atlas", "", "read the ATLAS release from this file instead of Neo4j ("+app.EmbeddedRelease+": the one built in)"),
		asOf:  cmd.Flags().String("as-of", "", "judge accepted risks on this date, YYYY-MM-DD (default: today, UTC)"),
	}
}

// service opens the service the model commands ask: over the release file
// given with --atlas (or the one built in, --atlas embedded), or over Neo4j.
func (e *modelEnv) service(ctx context.Context) (*app.Service, app.ReportOptions, func(), error) {
	var opt app.ReportOptions
	if *e.asOf != "" {
		day, err := time.Parse(time.DateOnly, *e.asOf)
		if err != nil {
			return nil, opt, nil, usageError{msg: fmt.Sprintf("--as-of %q is not a date; write YYYY-MM-DD", *e.asOf), cmd: "atlasgraph model"}
		}
		opt.AsOf = day
	}
	if *e.atlas != "" {
		svc, err := app.OpenFile(ctx, *e.atlas)
		if err != nil {
			return nil, opt, nil, err
		}
		return svc, opt, func() {}, nil
	}
	svc, done, err := openService(ctx, e.cfg)
	return svc, opt, done, err
}

func readModel(path string) (*app.ThreatModel, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the model: %w", err)
	}
	return app.ParseModel(path, data)
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
			fmt.Fprintf(c.stdout, "%s: the model is well formed: %s\n", args[0], modelSize(m))
			return nil
		}
		ctx := cmd.Context()
		svc, _, done, err := env.service(ctx)
		if err != nil {
			return err
		}
		defer done()
		version, err := svc.CheckModel(ctx, m)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s: the model is valid on ATLAS %s: %s\n", args[0], version, modelSize(m))
		return nil
	}
	return cmd
}

// modelSize is "5 components, 6 flows, 1 control, 0 accepted risks".
func modelSize(m *app.ThreatModel) string {
	return strings.Join([]string{countOf(len(m.Components), "component"), countOf(len(m.Flows), "flow"), countOf(len(m.Controls), "control"), countOf(len(m.AcceptedRisks), "accepted risk")}, ", ")
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
	format := cmd.Flags().String("format", "markdown", "output: "+strings.Join(app.ReportFormats, ", "))
	failOn := cmd.Flags().StringSlice("fail-on", nil, "exit with status 3 when the report has any of: residual, uncovered, incident; accepted risks that have not expired do not count")
	out := cmd.Flags().StringP("output", "o", "", "write the report to this file instead of standard output")
	sarifRoot := cmd.Flags().String("sarif-root", "", "with --format sarif: the folder SARIF URIs are relative to (default: the repository root holding FILE, else the working directory)")
	nav := navigatorFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if !slices.Contains(app.ReportFormats, *format) {
			return usageError{msg: fmt.Sprintf("--format %q: use one of %s", *format, strings.Join(app.ReportFormats, ", ")), cmd: cmd.CommandPath()}
		}
		navOut, err := nav.output()
		if err != nil {
			return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
		}
		var sarifOpts app.SARIFOptions
		if *format == "sarif" {
			root, uri, err := sarifLocation(*sarifRoot, args[0])
			if err != nil {
				return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
			}
			sarifOpts = app.SARIFOptions{Version: versionString(), Root: root, URI: uri}
		}
		for _, g := range *failOn {
			if !slices.Contains(app.FailOnValues, g) {
				return usageError{msg: fmt.Sprintf("--fail-on %q: use residual, uncovered or incident", g), cmd: cmd.CommandPath()}
			}
		}
		m, err := readModel(args[0])
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		svc, opt, done, err := env.service(ctx)
		if err != nil {
			return err
		}
		defer done()
		rep, err := svc.ReportModel(ctx, m, opt)
		if err != nil {
			return err
		}
		data, err := app.RenderReportWith(m, rep, *format, app.RenderOptions{SARIF: sarifOpts, Navigator: navOut})
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
		if why := app.ReportFailure(rep, *failOn); why != "" {
			return gateError{fmt.Sprintf("%s fails --fail-on %s: %s", args[0], strings.Join(*failOn, ","), why)}
		}
		return nil
	}
	return cmd
}
