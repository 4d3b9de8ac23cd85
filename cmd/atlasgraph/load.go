package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/attack"
	attackembedded "github.com/atlasgraph/atlasgraph/attack/embedded"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/loader/embedded"
	"github.com/atlasgraph/atlasgraph/store"
)

// embeddedRelease names the release built into the binary, "" if none.
func embeddedRelease() string {
	sum := embedded.SHA256()
	if len(sum) > 12 {
		sum = sum[:12]
	}
	return embedded.Version() + ", sha256 " + sum
}

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
	fs.StringVar(&f.upstream, "upstream", "", "atlas-data's dist folder: a URL or a local folder (env ATLASGRAPH_UPSTREAM, default "+loader.DefaultUpstream+")")
	fs.StringVar(&f.sha, "sha256", "", "refuse the file unless its sha256 is this")
	fs.Int64Var(&f.maxBytes, "max-bytes", loader.DefaultLimits().MaxBytes, "largest release file accepted, in bytes")
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
	return loader.DefaultUpstream
}

// source turns the positional argument and the flags into a loader source.
func (f *sourceFlags) source(cmd *cobra.Command, pos []string, getenv func(string) string) (loader.Source, error) {
	src := loader.Source{Release: f.release, Upstream: f.upstreamURL(getenv), SHA256: f.sha}
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

// fetchAndParse gets the release, parses and validates it. Warnings go to
// stderr unless quiet.
func (f *sourceFlags) fetchAndParse(ctx context.Context, src loader.Source, stderr io.Writer, quiet bool) (*atlas.Release, error) {
	fetcher := loader.Fetcher{Client: &http.Client{Timeout: f.timeout}, MaxBytes: f.maxBytes}
	name, data, err := fetcher.Fetch(ctx, src)
	if err != nil {
		return nil, err
	}
	lim := loader.DefaultLimits()
	lim.MaxBytes = f.maxBytes
	rel, warnings, err := loader.Parse(name, data, lim)
	if err != nil {
		return nil, err
	}
	if !quiet {
		for _, w := range warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
	}
	return rel, nil
}

func summary(rel *atlas.Release) string {
	steps := 0
	for _, c := range rel.CaseStudies {
		steps += len(c.Steps)
	}
	return fmt.Sprintf("%d tactics, %d techniques, %d mitigations, %d case studies, %d steps, %d actors",
		len(rel.Tactics), len(rel.Techniques), len(rel.Mitigations), len(rel.CaseStudies), steps, len(rel.Actors))
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
		rel, err := sf.fetchAndParse(cmd.Context(), src, c.stderr, false)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s: ATLAS %s (%s layout) is valid: %s\n", rel.Source, rel.Version, rel.Format, summary(rel))
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
		if err := cfg.Validate(); err != nil {
			return err
		}
		if af.source != "" && len(args) == 0 && sf.release == "" {
			return c.loadAttackAlone(ctx, cfg, af, sf.timeout, *replace, *quiet)
		}
		var bundle *attack.Bundle
		if af.source != "" {
			// Both are read and checked before either is written.
			if bundle, err = af.parse(ctx, sf.timeout); err != nil {
				return err
			}
		}
		rel, err := sf.fetchAndParse(ctx, src, c.stderr, *quiet)
		fallback := ""
		if err != nil && len(args) == 0 && sf.release == "" && errors.Is(err, loader.ErrUnreachable) {
			// No network: keep what is loaded, or fall back on the
			// embedded copy.
			fallback = err.Error()
		} else if err != nil {
			return err
		}
		svc, done, err := openService(ctx, cfg)
		if err != nil {
			return err
		}
		defer done()
		st := svc.Store()
		if fallback != "" {
			if cur, cerr := st.Release(ctx, ""); cerr == nil {
				fmt.Fprintf(c.stderr, "note: %s; keeping the current release %s\n", fallback, cur.Version)
				if bundle == nil {
					return c.loadEmbeddedAttack(ctx, st, svc.Reader(), *quiet)
				}
				return c.storeAttack(ctx, st, bundle, *replace, *quiet)
			}
			if embeddedRelease() == "" {
				return errors.New(fallback)
			}
			fmt.Fprintf(c.stderr, "note: %s; loading the release built into atlasgraph (%s) instead\n", fallback, embeddedRelease())
			if rel, err = sf.fetchAndParse(ctx, loader.Source{Release: embedded.Keyword}, c.stderr, *quiet); err != nil {
				return err
			}
		}
		opt := store.LoadOptions{Replace: *replace} // older releases are staged, see store.CurrentIfNotOlder
		switch {
		case *current:
			opt.Current = store.CurrentAlways
		case *noCurrent:
			opt.Current = store.CurrentNever
		}
		if err := c.store(ctx, st, rel, opt, *quiet); err != nil {
			return err
		}
		if bundle != nil {
			return c.storeAttack(ctx, st, bundle, *replace, *quiet)
		}
		// Link the release to the ATT&CK versions loaded before it.
		if _, err := st.LinkAttack(ctx, rel.Version); err != nil {
			return err
		}
		return c.loadEmbeddedAttack(ctx, st, svc.Reader(), *quiet)
	}
	return cmd
}

// loadEmbeddedAttack loads the ATT&CK extract built into atlasgraph when the store has no
// ATT&CK version at all, so that actors answer by every alias on a first run without
// network, as the embedded ATLAS release does for ATLAS. A store with any ATT&CK version is
// left alone.
func (c *cli) loadEmbeddedAttack(ctx context.Context, st *store.Store, r *store.Reader, quiet bool) error {
	have, err := r.AttackVersions(ctx)
	if err != nil || len(have) > 0 {
		return err
	}
	b, err := attackembedded.Bundle()
	if err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(c.stderr, "note: no ATT&CK is loaded; loading the ATT&CK Enterprise %s extract built into atlasgraph (groups, aliases and the techniques they use); load a newer one with: atlasgraph load --attack VERSION\n", b.Version)
	}
	return c.storeAttack(ctx, st, b, false, quiet)
}

// store writes a parsed release and prints one summary line.
func (c *cli) store(ctx context.Context, st *store.Store, rel *atlas.Release, opt store.LoadOptions, quiet bool) error {
	if !quiet && isTerminal(c.stderr) {
		opt.Progress = func(p store.Progress) {
			fmt.Fprintf(c.stderr, "\r\033[Kloading %s: %s %s (%d/%d rows)", rel.Version, p.Phase, p.What, p.Rows, p.Total)
		}
	}
	res, err := st.Load(ctx, rel, opt)
	if opt.Progress != nil {
		fmt.Fprint(c.stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	if !quiet {
		state := "loaded"
		if res.Unchanged {
			state = "already loaded, unchanged"
		}
		cur := ""
		if res.Current {
			cur = "; current"
		}
		fmt.Fprintf(c.stdout, "ATLAS %s (%s) %s: %s in %s%s\n", rel.Version, rel.Format, state, summary(rel), res.Duration.Round(time.Millisecond), cur)
	}
	// An older release is staged unless --current: a monthly user loading
	// last year's file to compare must not switch everyone to it.
	if res.NotCurrent == store.NotCurrentOlder {
		fmt.Fprintf(c.stderr, "note: %s\n", res.Note())
	}
	return nil
}
