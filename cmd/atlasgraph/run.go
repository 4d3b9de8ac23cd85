package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/store"
)

const usage = `atlasgraph turns MITRE ATLAS into a Neo4j graph and answers questions over it.

Usage:
  atlasgraph load [FILE | URL] [flags]     load a release (default: the newest upstream release)
  atlasgraph releases [--json]            list the loaded releases
  atlasgraph releases use VERSION         make a loaded release the current one
  atlasgraph releases prune VERSION       delete a release that is not current
  atlasgraph diff FROM TO [--json]        what changed between two loaded releases
  atlasgraph check FILE                   validate a release file without writing anything
  atlasgraph serve [--addr HOST:PORT]     answer GraphQL at /graphql, GraphiQL at /graphiql
  atlasgraph analyze COMMAND [flags]      chains, minimal mitigation sets, attack paths, choke points, gaps
  atlasgraph model init|check|report      threat models of your AI system (docs/threatmodel.md)

Neo4j settings come from NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD and
NEO4J_DATABASE, or from the --neo4j-* flags. Run 'atlasgraph COMMAND -h' for
the flags of a command.
`

// usageError is a mistake on the command line; it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg + " (see atlasgraph -h)" }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	var g gateError
	if errors.As(err, &g) {
		return 3
	}
	return 1
}

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "load":
		return runLoad(ctx, rest, getenv, stdout, stderr)
	case "check":
		return runCheck(ctx, rest, stdout, stderr)
	case "releases":
		return runReleases(ctx, rest, getenv, stdout, stderr)
	case "diff":
		return runDiff(ctx, rest, getenv, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "analyze":
		return runAnalyze(ctx, rest, getenv, stdout, stderr)
	case "model":
		return runModel(ctx, rest, getenv, stdout, stderr)
	default:
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("atlasgraph "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses flags that may come before or after the positional
// arguments, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// openStore validates the Neo4j settings and connects.
func openStore(ctx context.Context, cfg *config.Neo4j) (*store.Store, func(), error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	driver, err := store.Connect(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return store.New(driver, cfg.Database), func() { driver.Close(context.Background()) }, nil
}

type sourceFlags struct {
	release, upstream, sha string
	maxBytes               int64
	timeout                time.Duration
}

func addSourceFlags(fs *flag.FlagSet, getenv func(string) string) *sourceFlags {
	f := &sourceFlags{}
	fs.StringVar(&f.release, "release", "", "upstream release to load, e.g. 2026.05 (default: the newest)")
	fs.StringVar(&f.upstream, "upstream", orDefault(getenv("ATLASGRAPH_UPSTREAM"), loader.DefaultUpstream), "base URL of atlas-data's dist folder (env ATLASGRAPH_UPSTREAM)")
	fs.StringVar(&f.sha, "sha256", "", "refuse the file unless its sha256 is this")
	fs.Int64Var(&f.maxBytes, "max-bytes", loader.DefaultLimits().MaxBytes, "largest release file accepted")
	fs.DurationVar(&f.timeout, "download-timeout", 2*time.Minute, "time limit for downloads")
	return f
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// fetchAndParse gets the release named by the positional argument or the
// flags, and parses and validates it. Warnings go to stderr.
func fetchAndParse(ctx context.Context, pos []string, sf *sourceFlags, stderr io.Writer, quiet bool) (*atlas.Release, error) {
	src := loader.Source{Release: sf.release, Upstream: sf.upstream, SHA256: sf.sha}
	switch {
	case len(pos) > 1:
		return nil, usageError{"give one release file or URL"}
	case len(pos) == 1 && sf.release != "":
		return nil, usageError{"give a file or URL, or --release, not both"}
	case len(pos) == 1 && (strings.HasPrefix(pos[0], "http://") || strings.HasPrefix(pos[0], "https://")):
		src.URL = pos[0]
	case len(pos) == 1:
		src.Path = pos[0]
	}
	f := loader.Fetcher{Client: &http.Client{Timeout: sf.timeout}, MaxBytes: sf.maxBytes}
	name, data, err := f.Fetch(ctx, src)
	if err != nil {
		return nil, err
	}
	lim := loader.DefaultLimits()
	lim.MaxBytes = sf.maxBytes
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

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	sf := addSourceFlags(fs, func(string) string { return "" })
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) == 0 && sf.release == "" {
		return usageError{"check needs a release file or URL"}
	}
	rel, err := fetchAndParse(ctx, pos, sf, stderr, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ATLAS %s (%s layout) is valid: %s\n", rel.Source, rel.Version, rel.Format, summary(rel))
	return nil
}

func helpOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func summary(rel *atlas.Release) string {
	steps := 0
	for _, c := range rel.CaseStudies {
		steps += len(c.Steps)
	}
	return fmt.Sprintf("%d tactics, %d techniques, %d mitigations, %d case studies, %d steps, %d actors",
		len(rel.Tactics), len(rel.Techniques), len(rel.Mitigations), len(rel.CaseStudies), steps, len(rel.Actors))
}

func runLoad(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("load", stderr)
	cfg := config.Neo4jFlags(fs, getenv)
	sf := addSourceFlags(fs, getenv)
	noCurrent := fs.Bool("no-current", false, "load the release without making it current")
	replace := fs.Bool("replace", false, "overwrite a release of the same version loaded from other content (never the current one)")
	quiet := fs.Bool("quiet", getenv("CI") != "", "no progress and no summary (default on when CI is set)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	rel, err := fetchAndParse(ctx, pos, sf, stderr, *quiet)
	if err != nil {
		return err
	}
	st, closeFn, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeFn()
	opt := store.LoadOptions{MakeCurrent: !*noCurrent, Replace: *replace}
	if !*quiet && isTerminal(stderr) {
		opt.Progress = func(p store.Progress) {
			fmt.Fprintf(stderr, "\r\033[Kloading %s: %s %s (%d/%d rows)", rel.Version, p.Phase, p.What, p.Rows, p.Total)
		}
	}
	res, err := st.Load(ctx, rel, opt)
	if opt.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	if !*quiet {
		state := "loaded"
		if res.Unchanged {
			state = "already loaded, unchanged"
		}
		cur := ""
		if res.Current {
			cur = "; current"
		}
		fmt.Fprintf(stdout, "ATLAS %s (%s) %s: %s in %s%s\n", rel.Version, rel.Format, state, summary(rel), res.Duration.Round(time.Millisecond), cur)
	}
	return nil
}

// isTerminal reports whether w is a terminal, so progress is shown only to
// a person watching.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runReleases(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("releases", stderr)
	cfg := config.Neo4jFlags(fs, getenv)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 && pos[0] != "list" && len(pos) != 2 {
		return usageError{"use: atlasgraph releases [list | use VERSION | prune VERSION]"}
	}
	st, closeFn, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeFn()
	if len(pos) == 2 {
		switch pos[0] {
		case "use":
			if err := st.SetCurrent(ctx, pos[1]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "release %s is now current\n", pos[1])
			return nil
		case "prune":
			if _, err := st.Prune(ctx, pos[1]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "release %s deleted\n", pos[1])
			return nil
		default:
			return usageError{fmt.Sprintf("unknown releases command %q; use list, use or prune", pos[0])}
		}
	}
	list, err := st.Releases(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, "no releases loaded; load one with: atlasgraph load")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CURRENT\tVERSION\tFORMAT\tTACTICS\tTECHNIQUES\tMITIGATIONS\tCASE STUDIES\tSTEPS\tACTORS\tLOADED\tSHA256")
	for _, r := range list {
		cur := ""
		if r.Current {
			cur = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%.12s\n", cur, r.Version, r.Format, r.Counts.Tactics, r.Counts.Techniques,
			r.Counts.Mitigations, r.Counts.CaseStudies, r.Counts.Steps, r.Counts.Actors, r.LoadedAt.UTC().Format(time.RFC3339), r.SHA256)
	}
	return tw.Flush()
}

func runDiff(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("diff", stderr)
	cfg := config.Neo4jFlags(fs, getenv)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 2 {
		return usageError{"diff needs two release versions: atlasgraph diff FROM TO"}
	}
	st, closeFn, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeFn()
	d, err := st.Diff(ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	return atlas.WriteDiff(stdout, d)
}
