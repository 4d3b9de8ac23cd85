// Command analysis measures the analysis pipeline on ATLAS 2026.05 and on
// synthetic releases 10 and 100 times its size (internal/synth, written to a
// temporary directory): the load into Neo4j, the snapshot read, the
// conversion to analysis inputs, MinimalMitigationSet over every case study,
// AttackPaths from Reconnaissance (AML.TA0002) to Impact (AML.TA0011) with at
// most 6 hops and the top 100 paths, and ChainMitigations per case study.
// Each is timed alone (compute only, on values already fetched) and, for the
// path and chain questions, end to end as an uncached request would run it:
// fetch, convert, compute. It prints medians and 99th percentiles as a
// Markdown table with the machine's load average.
//
// With -http (the default) it also asks the attackPaths question through
// atlasgraph's GraphQL server (server.New and server.Serve in process, on a
// loopback port, over HTTP) and prints the curve over the releases: compute,
// server side (the server's access-log duration) and end to end, p50 and
// p90, measured in turn in one loop, with the ratios to 2026.05.
//
//	eval "$(scripts/neo4j.sh env)"; go run ./bench/analysis [-scales 10,100] [-seed 1] [-paths-only] [-cpuprofile cpu.prof]
//
// It writes releases named bench-VERSION and deletes them afterwards; other
// releases in the database are not touched. Repetitions are bounded by count
// and by time, so a run stays within a few minutes on a 2-core machine.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/bench/internal/machine"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/internal/synth"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/store"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench/analysis:", err)
		os.Exit(1)
	}
}

// dataset is one release to measure.
type dataset struct {
	label string
	file  string
	scale int // 1 for the real release
	// synthetic datasets are generated into file first.
	synthetic bool
}

// budget bounds the repetitions of one measurement: at least min runs, then
// more until max runs or until the time is spent.
type budget struct {
	min, max int
	time     time.Duration
}

// curveBudget bounds the interleaved compute / HTTP runs of the attackPaths
// curve.
func curveBudget(scale int) budget {
	switch {
	case scale <= 1:
		return budget{100, 1000, 10 * time.Second}
	case scale <= 10:
		return budget{30, 300, 10 * time.Second}
	default:
		return budget{10, 100, 20 * time.Second}
	}
}

// budgets per scale; larger releases get fewer, longer runs.
func budgets(scale int) (load, fetch, compute, e2e budget) {
	switch {
	case scale <= 1:
		return budget{3, 3, 0}, budget{20, 200, 5 * time.Second}, budget{50, 2000, 5 * time.Second}, budget{20, 200, 5 * time.Second}
	case scale <= 10:
		return budget{2, 2, 0}, budget{5, 50, 8 * time.Second}, budget{10, 500, 8 * time.Second}, budget{5, 50, 8 * time.Second}
	default:
		return budget{1, 1, 0}, budget{3, 10, 20 * time.Second}, budget{3, 100, 15 * time.Second}, budget{3, 10, 20 * time.Second}
	}
}

// sample is a set of timings.
type sample []time.Duration

func (s sample) quantile(q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := slices.Clone(s)
	slices.Sort(c)
	// Nearest rank: with fewer than 100 runs, p99 is the slowest run.
	i := int(q*float64(len(c))+0.999999) - 1
	return c[max(0, min(i, len(c)-1))]
}

func measure(b budget, fn func() error) (sample, error) {
	var s sample
	start := time.Now()
	for len(s) < b.max && (len(s) < b.min || time.Since(start) < b.time) {
		t := time.Now()
		if err := fn(); err != nil {
			return nil, err
		}
		s = append(s, time.Since(t))
	}
	return s, nil
}

// result is what one dataset gave.
type result struct {
	ds                                                 dataset
	techniques, mitigations, caseStudies, steps, trans int
	bytes                                              int
	parse, gen                                         time.Duration
	load, fetch, convert                               sample
	minSet, paths, chain                               sample
	pathsE2E, chainE2E                                 sample
	setNote, pathNote                                  string
	// The attackPaths curve: compute, the server's own time (its access
	// log) and the client's round trip, measured in turn in one loop.
	curveCompute, curveServer, curveClient sample
	// curvePerCall is the function AttackPaths, which indexes the
	// transitions on every call (curveCompute is Input.AttackPaths, which
	// indexes them once per release).
	curvePerCall sample
	// cold is the client's time for the first request after the load, and
	// coldNote says how many requests failed before one was answered.
	cold     time.Duration
	coldNote string
	// curveBare is the server side of the question selecting no paths.
	curveBare     sample
	responseBytes int
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench/analysis", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config.Neo4jFlags(fs, getenv)
	scales := fs.String("scales", "10,100", "synthetic scales to measure besides 2026.05, comma-separated (empty: none)")
	seed := fs.Uint64("seed", 1, "seed of the synthetic releases")
	keep := fs.Bool("keep", false, "keep the bench-* releases in Neo4j afterwards")
	viaHTTP := fs.Bool("http", true, "also ask attackPaths through atlasgraph's GraphQL server (in process, on a loopback port) and print the curve")
	profile := fs.String("cpuprofile", "", "CPU-profile the attackPaths curve loops (compute and server, in process) into FILE-xSCALE.prof, one per release")
	respCache := fs.Bool("response-cache", false, "let the server answer repeated questions from its response cache (off by default: the curve measures the computation and its answer's writing)")
	pathsOnly := fs.Bool("paths-only", false, "measure only the attackPaths question (skip the minimal set and chain questions)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	ctx := context.Background()
	driver, err := store.Connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer driver.Close(ctx)
	st := store.New(driver, cfg.Database)

	real, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
	if err != nil {
		return err
	}
	sets := []dataset{{label: "2026.05", file: real, scale: 1}}
	dir, err := os.MkdirTemp("", "atlasgraph-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, f := range strings.Split(*scales, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return fmt.Errorf("-scales: %q is not a positive integer", f)
		}
		sets = append(sets, dataset{label: fmt.Sprintf("synthetic ×%d", n), file: filepath.Join(dir, fmt.Sprintf("atlas-x%d.yaml", n)), scale: n, synthetic: true})
	}

	var h *httpServer
	if *viaHTTP {
		if h, err = startServer(ctx, st, *respCache); err != nil {
			return err
		}
		defer h.close()
	}
	loadBefore := machine.LoadAvg()
	began := time.Now()
	var results []result
	for _, ds := range sets {
		fmt.Fprintf(stderr, "%s: ", ds.label)
		r, err := measureDataset(ctx, st, h, ds, options{seed: *seed, keep: *keep, pathsOnly: *pathsOnly, profile: *profile}, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", ds.label, err)
		}
		fmt.Fprintln(stderr, "done")
		results = append(results, r)
	}
	report(stdout, results, loadBefore, machine.LoadAvg(), time.Since(began), cfg, *seed, *pathsOnly)
	return nil
}

// options are the command's choices that shape what is measured.
type options struct {
	seed      uint64
	keep      bool
	pathsOnly bool
	// profile names the CPU profiles of the attackPaths curve, one per
	// release ("cpu.prof" gives cpu-x1.prof, cpu-x10.prof, ...).
	profile string
}

func measureDataset(ctx context.Context, st *store.Store, h *httpServer, ds dataset, o options, progress io.Writer) (result, error) {
	r := result{ds: ds}
	loadB, fetchB, computeB, e2eB := budgets(ds.scale)
	if ds.synthetic {
		t := time.Now()
		var buf bytes.Buffer
		if _, err := synth.Write(&buf, synth.Options{Scale: ds.scale, Seed: o.seed}); err != nil {
			return r, err
		}
		if err := os.WriteFile(ds.file, buf.Bytes(), 0o644); err != nil {
			return r, err
		}
		r.gen = time.Since(t)
	}
	data, err := os.ReadFile(ds.file)
	if err != nil {
		return r, err
	}
	r.bytes = len(data)
	t := time.Now()
	rel, _, err := loader.Parse(ds.file, data, loader.Limits{})
	if err != nil {
		return r, err
	}
	r.parse = time.Since(t)
	version := "bench-" + rel.Version
	rel.Version = version
	r.techniques, r.mitigations, r.caseStudies = len(rel.Techniques), len(rel.Mitigations), len(rel.CaseStudies)
	for _, c := range rel.CaseStudies {
		r.steps += len(c.Steps)
	}
	r.trans = len(rel.Transitions())

	fmt.Fprint(progress, "load ")
	r.load, err = measure(loadB, func() error {
		if err := prune(ctx, st, version); err != nil {
			return err
		}
		res, err := st.Load(ctx, rel, store.LoadOptions{Current: store.CurrentNever})
		if err == nil && res.Unchanged {
			err = errors.New("the release was already loaded; nothing was measured")
		}
		return err
	})
	if err != nil {
		return r, err
	}
	if !o.keep {
		defer prune(context.Background(), st, version)
	}

	fmt.Fprint(progress, "fetch ")
	var view *atlas.Release
	r.fetch, err = measure(fetchB, func() (err error) {
		view, err = st.Snapshot(ctx, version)
		return err
	})
	if err != nil {
		return r, err
	}
	var in *analysis.Input
	r.convert, _ = measure(computeB, func() error {
		in = analysis.FromRelease(view)
		return nil
	})

	if !o.pathsOnly {
		if err := measureSet(ctx, in, computeB, progress, &r); err != nil {
			return r, err
		}
	}

	fmt.Fprint(progress, "paths ")
	query := func(in *analysis.Input) analysis.PathQuery {
		from, _ := in.Endpoints("AML.TA0002")
		to, _ := in.Endpoints("AML.TA0011")
		return analysis.PathQuery{From: from, To: to, MaxHops: 6, Limit: 100, MinSupport: 1}
	}
	var paths analysis.PathResult
	r.paths, err = measure(computeB, func() (err error) {
		paths, err = in.AttackPaths(ctx, query(in), analysis.Options{})
		return err
	})
	if err != nil {
		return r, err
	}
	r.pathNote = fmt.Sprintf("%d paths, %d expansions, truncated %v", len(paths.Paths), paths.Expansions, paths.Truncated)
	r.pathsE2E, err = measure(e2eB, func() error {
		v, err := st.Snapshot(ctx, version)
		if err != nil {
			return err
		}
		x := analysis.FromRelease(v)
		_, err = analysis.AttackPaths(ctx, x.Transitions, query(x), x.Knowledge, analysis.Options{})
		return err
	})
	if err != nil {
		return r, err
	}

	if h != nil {
		fmt.Fprint(progress, "paths-http ")
		prof := ""
		if o.profile != "" {
			prof = strings.TrimSuffix(o.profile, ".prof") + fmt.Sprintf("-x%d.prof", ds.scale)
		}
		if err := measureCurve(ctx, h, version, in, query(in), curveBudget(ds.scale), prof, &r); err != nil {
			return r, err
		}
	}
	if o.pathsOnly {
		return r, nil
	}

	fmt.Fprint(progress, "chain ")
	// Compute: each call is one case study, cycling through all of them.
	i := 0
	chainB := computeB
	chainB.min = max(chainB.min, min(len(in.Chains), 1000))
	chainB.max = max(chainB.max, chainB.min)
	r.chain, err = measure(chainB, func() error {
		_, err := analysis.ChainMitigations(ctx, in.Chains[i%len(in.Chains)], in.Knowledge, analysis.Options{})
		i++
		return err
	})
	if err != nil {
		return r, err
	}
	i = 0
	r.chainE2E, err = measure(e2eB, func() error {
		v, err := st.Snapshot(ctx, version)
		if err != nil {
			return err
		}
		x := analysis.FromRelease(v)
		ch, _ := x.Chain(x.Chains[i%len(x.Chains)].ID)
		i++
		_, err = analysis.ChainMitigations(ctx, ch, x.Knowledge, analysis.Options{})
		return err
	})
	return r, err
}

// measureSet times MinimalMitigationSet over every case study.
func measureSet(ctx context.Context, in *analysis.Input, b budget, progress io.Writer, r *result) error {
	fmt.Fprint(progress, "minimal-set ")
	var set analysis.SetResult
	var err error
	r.minSet, err = measure(b, func() (err error) {
		set, err = analysis.MinimalMitigationSet(ctx, in.Chains, in.Knowledge, analysis.Options{}, analysis.SetRequest{})
		return err
	})
	if err != nil {
		return err
	}
	r.setNote = fmt.Sprintf("%d mitigations, optimal %v, %d nodes, %d unbreakable", len(set.Best.Members), set.Optimal, set.Nodes, len(set.Unbreakable))
	if !set.Optimal {
		r.setNote += fmt.Sprintf(", lower bound %g", set.LowerBound)
	}
	return nil
}

// measureCurve times the attackPaths question in one loop, in turn: the
// computation alone on the input already in memory, then the same question
// through the GraphQL server, whose access log gives the time spent in the
// server and whose client gives the round trip. A few requests first let
// the server read the release into its analysis cache, as a serving server
// has. With a profile file name, the loop is CPU-profiled into it.

func measureCurve(ctx context.Context, h *httpServer, version string, in *analysis.Input, q analysis.PathQuery, b budget, profile string, r *result) error {
	// The first request after the load reads the release into the server's
	// caches: record how long it took (or how it failed: a cold read may
	// pass the request deadline) and retry a few times before giving up.
	ok, failed := 0, 0
	for ok < 3 {
		t := time.Now()
		_, _, err := h.attackPaths(ctx, pathsQuery, version)
		if ok == 0 && failed == 0 {
			r.cold = time.Since(t)
		}
		if err == nil {
			ok++
			continue
		}
		if failed++; failed == 5 {
			return err
		}
		r.coldNote = fmt.Sprintf("%d failed before the first answer, first error: %.120s", failed, err)
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	for n := 0; n < b.max && (n < b.min || time.Since(start) < b.time); n++ {
		t := time.Now()
		if _, err := in.AttackPaths(ctx, q, analysis.Options{}); err != nil {
			return err
		}
		r.curveCompute = append(r.curveCompute, time.Since(t))
		t = time.Now()
		if _, err := analysis.AttackPaths(ctx, in.Transitions, q, in.Knowledge, analysis.Options{}); err != nil {
			return err
		}
		r.curvePerCall = append(r.curvePerCall, time.Since(t))
		t = time.Now()
		server, size, err := h.attackPaths(ctx, pathsQuery, version)
		if err != nil {
			return err
		}
		r.curveClient = append(r.curveClient, time.Since(t))
		r.curveServer = append(r.curveServer, server)
		r.responseBytes = size
		bare, _, err := h.attackPaths(ctx, bareQuery, version)
		if err != nil {
			return err
		}
		r.curveBare = append(r.curveBare, bare)
	}
	return nil
}

func prune(ctx context.Context, st *store.Store, version string) error {
	if _, err := st.Prune(ctx, version); err != nil && !errors.Is(err, atlas.ErrNotFound) {
		return err
	}
	return nil
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.0f µs", float64(d)/1e3)
	}
}

func cell(s sample) string {
	if len(s) == 1 {
		return fmt.Sprintf("%s (n=1)", fmtDur(s[0]))
	}
	return fmt.Sprintf("%s / %s (n=%d)", fmtDur(s.quantile(0.5)), fmtDur(s.quantile(0.99)), len(s))
}

func report(w io.Writer, rs []result, before, after string, took time.Duration, cfg *config.Neo4j, seed uint64, pathsOnly bool) {
	fmt.Fprintf(w, "## Analysis benchmarks\n\n")
	fmt.Fprintf(w, "%s, %s, %s/%s, %d CPUs (GOMAXPROCS %d), Neo4j at %s; load average %s before, %s after; total %s; synthetic seed %d.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0),
		cfg.URI, before, after, took.Round(time.Second), seed)
	fmt.Fprintf(w, "Cells are median / p99 (n = runs; with fewer than 100 runs p99 is the slowest run). Compute times are on values already fetched; end to end is Snapshot + FromRelease + the analysis, uncached, as one request without a cache would run it.\n\n")
	fmt.Fprint(w, "| measure |")
	for _, r := range rs {
		fmt.Fprintf(w, " %s |", r.ds.label)
	}
	fmt.Fprint(w, "\n|---|")
	for range rs {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	row := func(name string, f func(r result) string) {
		fmt.Fprintf(w, "| %s |", name)
		for _, r := range rs {
			fmt.Fprintf(w, " %s |", f(r))
		}
		fmt.Fprintln(w)
	}
	row("size", func(r result) string {
		return fmt.Sprintf("%d techniques, %d mitigations, %d case studies, %d steps, %d transitions; %.1f MB", r.techniques, r.mitigations, r.caseStudies, r.steps, r.trans, float64(r.bytes)/1e6)
	})
	row("generate + parse", func(r result) string {
		if r.gen == 0 {
			return "parse " + fmtDur(r.parse)
		}
		return fmt.Sprintf("%s + %s", fmtDur(r.gen), fmtDur(r.parse))
	})
	row("load into Neo4j (store.Load)", func(r result) string { return cell(r.load) })
	row("fetch (Snapshot, one read)", func(r result) string { return cell(r.fetch) })
	row("convert (FromRelease)", func(r result) string { return cell(r.convert) })
	if !pathsOnly {
		row("MinimalMitigationSet, all case studies (compute)", func(r result) string { return cell(r.minSet) })
		row("  its answer", func(r result) string { return r.setNote })
	}
	row("AttackPaths TA0002→TA0011, ≤6 hops, top 100 (compute, Input.AttackPaths)", func(r result) string { return cell(r.paths) })
	row("  its answer", func(r result) string { return r.pathNote })
	row("AttackPaths end to end, uncached", func(r result) string { return cell(r.pathsE2E) })
	if !pathsOnly {
		row("ChainMitigations per case study (compute)", func(r result) string { return cell(r.chain) })
		row("ChainMitigations end to end", func(r result) string { return cell(r.chainE2E) })
	}
	curve(w, rs)
	fmt.Fprintf(w, "\nCommand: `eval \"$(scripts/neo4j.sh env)\"; go run ./bench/analysis` (synthetic releases: `go run ./bench/synth -scale N -seed %d`).\n", seed)
}

// curve prints the attackPaths curve: compute, server side and end to end
// at each scale, p50 and p90 of runs made in turn in one loop, and each
// p50 as a multiple of the first release's.
func curve(w io.Writer, rs []result) {
	if len(rs) == 0 || len(rs[0].curveServer) == 0 {
		return
	}
	fmt.Fprintf(w, "\n### attackPaths curve (TA0002 → TA0011, ≤ 6 hops, top 100)\n\n")
	fmt.Fprintf(w, "Compute is the question on the analysis input in memory, indexed (Input.AttackPaths: transitions indexed once per release) and per call (the function analysis.AttackPaths, indexing them on every call, which is what app/ calls); server side is the duration in the server's access log (release lookup, cached analysis input, computation, gqlgen, JSON, write); end to end is the client's round trip over loopback HTTP; \"no paths selected\" asks the same question selecting only `release truncated expansions` (the same lookup and computation, almost nothing to marshal). Each run does the five in turn; p50 / p90 over n runs.\n\n")
	fmt.Fprintln(w, "| release | n | compute, indexed, p50 / p90 | compute, per call, p50 / p90 | server side p50 / p90 | end to end p50 / p90 | response | server side, no paths selected, p50 / p90 | compute (indexed) p50 × | server p50 × | end to end p50 × |")
	fmt.Fprintln(w, "|---|---:|---|---|---|---|---:|---|---:|---:|---:|")
	pair := func(s sample) string {
		return fmt.Sprintf("%s / %s", fmtDur(s.quantile(0.5)), fmtDur(s.quantile(0.9)))
	}
	ratio := func(s, base sample) string {
		return fmt.Sprintf("%.1f", float64(s.quantile(0.5))/float64(base.quantile(0.5)))
	}
	base := rs[0]
	for _, r := range rs {
		if len(r.curveServer) == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %.0f KB | %s | %s | %s | %s |\n", r.ds.label, len(r.curveServer),
			pair(r.curveCompute), pair(r.curvePerCall), pair(r.curveServer), pair(r.curveClient), float64(r.responseBytes)/1e3, pair(r.curveBare),
			ratio(r.curveCompute, base.curveCompute), ratio(r.curveServer, base.curveServer), ratio(r.curveClient, base.curveClient))
	}
	fmt.Fprintln(w)
	for _, r := range rs {
		if r.cold == 0 {
			continue
		}
		fmt.Fprintf(w, "First request after loading %s (the server reads the release into its caches): %s", r.ds.label, fmtDur(r.cold))
		if r.coldNote != "" {
			fmt.Fprintf(w, "; %s", r.coldNote)
		}
		fmt.Fprintln(w, ".")
	}
}
