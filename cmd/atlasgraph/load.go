package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/spf13/cobra"
)

// embeddedRelease names the release built into the binary, "" if none.
func embeddedRelease() string { return app.Embedded() }

type sourceFlags struct {
	release, upstream, sha string
	maxBytes               int64
	timeout                time.Duration
}

// addSourceFlags adds the flags that say where a release comes from. The
// upstream default is resolved after parsing (see upstreamURL), so help
// never prints the environment.
func addSourceFlags(cmd *cobra.Command) *sourceFlags {
	f := &sourceFlags{}
	fs := cmd.Flags()
	fs.StringVar(&f.release, "release", "", "upstream release to load, e.g. 2026.05, or latest (default: the newest)")
	fs.StringVar(&f.upstream, "upstream", "", "atlas-data's dist folder: a URL or a local folder (env ATLASGRAPH_UPSTREAM, default "+app.DefaultUpstream+")")
	fs.StringVar(&f.sha, "sha256", "", "refuse the file unless its sha256 is this")
	fs.Int64Var(&f.maxBytes, "max-bytes", app.DefaultMaxBytes(), "largest release file accepted, in bytes")
	fs.DurationVar(&f.timeout, "download-timeout", 2*time.Minute, "time limit for downloads")
	return f
}

func (f *sourceFlags) upstreamURL(getenv func(string) string) string {
	switch {
	case f.upstream != "":
		return f.upstream
	case getenv("ATLASGRAPH_UPSTREAM") != "":
		return getenv("ATLASGRAPH_UPSTREAM")
	}
	return app.DefaultUpstream
}

// source turns the positional argument and the flags into a release source.
func (f *sourceFlags) source(cmd *cobra.Command, pos []string, getenv func(string) string) (app.ReleaseSource, error) {
	src := app.ReleaseSource{Release: f.release, Upstream: f.upstreamURL(getenv), SHA256: f.sha, MaxBytes: f.maxBytes, Timeout: f.timeout}
	switch {
	case len(pos) > 1:
		return src, usageError{msg: fmt.Sprintf("give one release file or URL, not %d", len(pos)), cmd: cmd.CommandPath()}
	case len(pos) == 1 && f.release != "":
		return src, usageError{msg: fmt.Sprintf("give a file or URL (%s) or --release %s, not both", pos[0], f.release), cmd: cmd.CommandPath()}
	case len(pos) == 1 && (strings.HasPrefix(pos[0], "http://") || strings.HasPrefix(pos[0], "https://")):
		src.URL = pos[0]
	case len(pos) == 1:
		src.Path = pos[0]
	}
	if f.maxBytes < 1 {
		return src, usageError{msg: fmt.Sprintf("--max-bytes %d: give a positive size", f.maxBytes), cmd: cmd.CommandPath()}
	}
	if f.timeout <= 0 {
		return src, usageError{msg: fmt.Sprintf("--download-timeout %s: give a positive duration", f.timeout), cmd: cmd.CommandPath()}
	}
	return src, nil
}

func (c *cli) checkCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "check [FILE | URL]",
		Short:   "Validate a release file without writing anything",
		GroupID: "data",
		Long: `Check reads a release (a file, a URL, or --release from upstream), validates all of it and
reports every problem as FILE:LINE:COL: OBJECT: FIELD: message. It writes nothing and needs no Neo4j.`,
		Example: "  atlasgraph check ATLAS.yaml\n  atlasgraph check --release 2026.05",
	}
	sf := addSourceFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		src, err := sf.source(cmd, args, c.getenv)
		if err != nil {
			return err
		}
		if len(args) == 0 && sf.release == "" {
			return usageError{msg: "check needs a release file or URL, or --release VERSION", cmd: cmd.CommandPath()}
		}
		rel, warnings, err := app.ReadRelease(cmd.Context(), src)
		if err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintln(c.stderr, "warning:", w)
		}
		fmt.Fprintf(c.stdout, "%s: ATLAS %s (%s layout) is valid: %s\n", rel.Source, rel.Version, rel.Format, app.Summary(rel))
		return nil
	}
	return cmd
}

func (c *cli) loadCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "load [FILE | URL]",
		Short:   "Load an ATLAS release into Neo4j",
		GroupID: "data",
		Long: `Load reads a release (a local file, an http(s) URL, or an upstream release by name), checks all
of it, then writes it beside the releases already loaded. Without an argument it loads the newest
upstream release; when upstream cannot be reached it keeps the current release, or loads the
release built into atlasgraph when none is loaded.

A release older than the current one is staged, not made current, unless --current.`,
		Example: `  atlasgraph load                        # the newest upstream release
  atlasgraph load --release 2026.05
  atlasgraph load ATLAS.yaml
  atlasgraph load --release embedded     # the copy built into atlasgraph
  atlasgraph load --attack 18.1          # ATT&CK Enterprise alone (a file or URL works too)
  atlasgraph load ATLAS.yaml --attack enterprise-attack-18.1.json`,
	}
	cfg := c.neo4jFlags(cmd)
	sf := addSourceFlags(cmd)
	current := cmd.Flags().Bool("current", false, "make the release current even if it is older than the current one")
	noCurrent := cmd.Flags().Bool("no-current", false, "load the release without making it current")
	replace := cmd.Flags().Bool("replace", false, "overwrite a release of the same version loaded from other content (never the current one)")
	quiet := cmd.Flags().Bool("quiet", c.getenv("CI") != "", "no progress and no summary (default on when CI is set)")
	cmd.MarkFlagsMutuallyExclusive("current", "no-current")
	af := addAttackFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		src, err := sf.source(cmd, args, c.getenv)
		if err != nil {
			return err
		}
		req := app.LoadRequest{Release: src, Attack: af.source, AttackUpstream: af.upstream, Replace: *replace,
			NoRelease: af.source != "" && len(args) == 0 && sf.release == ""}
		switch {
		case *current:
			req.Current = app.CurrentAlways
		case *noCurrent:
			req.Current = app.CurrentNever
		}
		if !*quiet {
			req.Warn = func(w string) { fmt.Fprintln(c.stderr, "warning:", w) }
			if isTerminal(c.stderr) {
				req.Progress = func(p app.LoadProgress) {
					fmt.Fprintf(c.stderr, "\r\033[Kloading %s: %s %s (%d/%d rows)", p.Version, p.Phase, p.What, p.Rows, p.Total)
				}
			}
		}
		svc, done, err := openService(ctx, cfg)
		if err != nil {
			return err
		}
		defer done()
		out, err := svc.Load(ctx, req)
		if req.Progress != nil {
			fmt.Fprint(c.stderr, "\r\033[K")
		}
		if out != nil {
			c.printLoad(out, *quiet)
		}
		return err
	}
	return cmd
}

// printLoad prints one summary line per part loaded (unless quiet) and the
// notes (always: a fallback taken, a release staged).
func (c *cli) printLoad(out *app.LoadOutcome, quiet bool) {
	if r := out.Release; r != nil && !quiet {
		state := "loaded"
		if r.Unchanged {
			state = "already loaded, unchanged"
		}
		cur := ""
		if r.Current {
			cur = "; current"
		}
		fmt.Fprintf(c.stdout, "ATLAS %s (%s) %s: %s in %s%s\n", r.Version, r.Format, state, r.Summary, r.Duration.Round(time.Millisecond), cur)
	}
	if a := out.Attack; a != nil && !quiet {
		state := "loaded"
		if a.Unchanged {
			state = "already loaded, unchanged"
		}
		fmt.Fprintf(c.stdout, "ATT&CK Enterprise %s %s: %d groups, %d techniques, %d group uses; left out %d revoked and %d deprecated objects and %d relationships; %d ATLAS techniques linked; in %s; current\n",
			a.Version, state, a.Groups, a.Techniques, a.Uses, a.RevokedObjects, a.DeprecatedObjects, a.RelationshipsLeftOut,
			a.Links, a.Duration.Round(time.Millisecond))
	}
	if quiet {
		return
	}
	for _, n := range out.Notes {
		fmt.Fprintf(c.stderr, "note: %s\n", n)
	}
}
