// Command mitset measures the exact minimum mitigation set of atlasgraph
// (analysis.MinimalMitigationSet over every case study) beside OR-Tools CP-SAT
// on the same instance, side by side, on ATLAS 2026.05 and on synthetic
// releases 10 and 100 times its size (internal/synth, generated in memory).
//
//	python3 -m venv bench/mitset/.venv
//	bench/mitset/.venv/bin/pip install -r bench/mitset/requirements.txt
//	go run ./bench/mitset [-scales 1,10,100] [-runs 5] [-seeds 1,2,3]
//	go run ./bench/mitset -scales 100 -seeds 3 -costs unit -no-cpsat -cpuprofile cpu.out   # one instance, while developing
//
// For each release and each cost model (every mitigation costing 1, and
// integer costs 1 to 20 drawn from the seed) it builds the hitting-set
// instance once (analysis.NewCoverInstance), then alternates runs of the two
// solvers. atlasgraph is timed on the whole question (route constraints built
// from the chains, reductions, search); CP-SAT (one worker, as atlasgraph uses
// one core) is timed on its Solve call only, the instance already reduced.
// Every set either solver returns is checked without either solver's code:
// each chain of the release is walked to see that no route avoids the set,
// and the costs are summed again. It prints a Markdown table of medians and
// ratios with the machine's load. No Neo4j is needed; not part of CI.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/bench/internal/machine"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/internal/synth"
	"github.com/atlasgraph/atlasgraph/loader"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench/mitset:", err)
		os.Exit(1)
	}
}

type row struct {
	label, costs               string
	options, rows              int
	ours, cpsat                []time.Duration
	oursCPU                    []time.Duration // process CPU (user + system) over each atlasgraph run
	oursCost, cpCost           float64
	oursOptimal, cpOptimal     bool
	oursBound, cpBound         float64
	nodes                      int
	cpStatus                   string
	checkedSets, checkedChains int
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench/mitset", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scales := fs.String("scales", "1,10,100", "release sizes as multiples of 2026.05 (1 is the real release), comma-separated")
	runs := fs.Int("runs", 5, "runs of each solver per instance, alternating")
	seedList := fs.String("seeds", "1", "seeds of the synthetic releases and of the weighted costs, comma-separated; one table per seed")
	python := fs.String("python", "bench/mitset/.venv/bin/python", "Python with ortools installed")
	timeout := fs.Duration("timeout", 2*time.Minute, "deadline of one atlasgraph run, and CP-SAT's time limit")
	costs := fs.String("costs", "unit,weighted", "cost models to measure, comma-separated: unit, weighted")
	noCP := fs.Bool("no-cpsat", false, "time atlasgraph alone (while developing; the tables need CP-SAT beside it)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runs < 1 {
		return fmt.Errorf("-runs is %d; give 1 or more", *runs)
	}
	models := map[string]bool{}
	for _, c := range strings.Split(*costs, ",") {
		c = strings.TrimSpace(c)
		if c != "unit" && c != "weighted" {
			return fmt.Errorf("-costs: %q is not a cost model; give unit, weighted or both", c)
		}
		models[c] = true
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	opt := options{python: *python, runs: *runs, timeout: *timeout, models: models, noCP: *noCP}
	dir, err := os.MkdirTemp("", "atlasgraph-mitset-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	for _, sf := range strings.Split(*seedList, ",") {
		seed, err := strconv.ParseUint(strings.TrimSpace(sf), 10, 64)
		if err != nil {
			return fmt.Errorf("-seeds: %q is not a seed", sf)
		}
		if err := runSeed(*scales, seed, dir, opt, stdout, stderr); err != nil {
			return err
		}
	}
	return nil
}

// runSeed measures every scale and cost model of one seed and prints its
// table.
func runSeed(scales string, seed uint64, dir string, opt options, stdout, stderr io.Writer) error {
	loadBefore := machine.LoadAvg()
	var rows []row
	for _, f := range strings.Split(scales, ",") {
		scale, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || scale < 1 {
			return fmt.Errorf("-scales: %q is not a positive integer", f)
		}
		in, label, err := input(scale, seed)
		if err != nil {
			return err
		}
		for _, weighted := range []bool{false, true} {
			if weighted && !opt.models["weighted"] || !weighted && !opt.models["unit"] {
				continue
			}
			r := row{label: label, costs: "unit"}
			req := analysis.SetRequest{}
			if weighted {
				r.costs = "weighted 1–20"
				req.Costs = weights(in, seed)
			}
			fmt.Fprintf(stderr, "seed %d, %s, %s costs: ", seed, label, r.costs)
			if err := measure(&r, in, req, dir, opt, stderr); err != nil {
				return fmt.Errorf("%s, %s costs: %w", label, r.costs, err)
			}
			fmt.Fprintf(stderr, "done; atlasgraph %s CPU (median, process user + system), %d nodes\n", ms(median(r.oursCPU)), r.nodes)
			rows = append(rows, r)
		}
	}
	report(stdout, rows, loadBefore, opt.runs, seed)
	return nil
}

// input builds the analysis input of the real release (scale 1) or of a
// synthetic one.
func input(scale int, seed uint64) (*analysis.Input, string, error) {
	var name string
	var data []byte
	label := "2026.05"
	if scale == 1 {
		path, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
		if err != nil {
			return nil, "", err
		}
		if data, err = os.ReadFile(path); err != nil {
			return nil, "", err
		}
		name = path
	} else {
		var buf bytes.Buffer
		if _, err := synth.Write(&buf, synth.Options{Scale: scale, Seed: seed}); err != nil {
			return nil, "", err
		}
		data, name, label = buf.Bytes(), fmt.Sprintf("synthetic-x%d.yaml", scale), fmt.Sprintf("synthetic ×%d", scale)
	}
	rel, _, err := loader.Parse(name, data, loader.Limits{})
	if err != nil {
		return nil, "", err
	}
	return analysis.FromRelease(rel), label, nil
}

// weights gives every mitigation an integer cost from 1 to 20.
func weights(in *analysis.Input, seed uint64) map[string]float64 {
	ids := make([]string, 0, len(in.Knowledge.Mitigates))
	for m := range in.Knowledge.Mitigates {
		ids = append(ids, m)
	}
	slices.Sort(ids)
	r := rand.New(rand.NewPCG(seed, 20))
	costs := make(map[string]float64, len(ids))
	for _, m := range ids {
		costs[m] = float64(1 + r.IntN(20))
	}
	return costs
}

type cpAnswer struct {
	Status       string  `json:"status"`
	Objective    float64 `json:"objective"`
	Bound        float64 `json:"bound"`
	Chosen       []int   `json:"chosen"`
	SolveSeconds float64 `json:"solve_seconds"`
}

// options are the flags of one run.
type options struct {
	python  string
	runs    int
	timeout time.Duration
	models  map[string]bool
	noCP    bool
}

func measure(r *row, in *analysis.Input, req analysis.SetRequest, dir string, opt options, progress io.Writer) error {
	python, runs, timeout := opt.python, opt.runs, opt.timeout
	ctx := context.Background()
	inst, err := analysis.NewCoverInstance(in.Chains, in.Knowledge, analysis.Options{}, req)
	if err != nil {
		return err
	}
	if !inst.Complete {
		return errors.New("some chain hit the route cap; the instance is a relaxation and CP-SAT would answer another question")
	}
	r.options, r.rows = len(inst.Options), len(inst.Rows)
	file := filepath.Join(dir, "instance.json")
	b, err := json.Marshal(map[string]any{"costs": inst.Costs, "rows": inst.Rows})
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return err
	}
	for i := range runs {
		fmt.Fprint(progress, i+1, " ")
		cctx, cancel := context.WithTimeout(ctx, timeout)
		c := processCPU()
		t := time.Now()
		res, err := analysis.MinimalMitigationSet(cctx, in.Chains, in.Knowledge, analysis.Options{}, req)
		d := time.Since(t)
		r.oursCPU = append(r.oursCPU, processCPU()-c)
		cancel()
		if err != nil {
			return err
		}
		r.ours = append(r.ours, d)
		r.oursCost, r.oursOptimal, r.oursBound, r.nodes = res.Best.Cost, res.Optimal, res.LowerBound, res.Nodes
		ids := make([]string, len(res.Best.Members))
		for k, m := range res.Best.Members {
			ids[k] = m.Mitigation
		}
		if err := check(in, req, ids, res.Best.Cost); err != nil {
			return fmt.Errorf("atlasgraph's set: %w", err)
		}
		r.checkedSets++
		if opt.noCP {
			r.cpsat = append(r.cpsat, 0)
			continue
		}

		out, err := exec.Command(python, "bench/mitset/cpsat.py", file, "1", strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64)).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return fmt.Errorf("cpsat.py: %w: %s", err, ee.Stderr)
			}
			return fmt.Errorf("cpsat.py (create the venv first, see the package comment): %w", err)
		}
		var a cpAnswer
		if err := json.Unmarshal(out, &a); err != nil {
			return fmt.Errorf("cpsat.py answered %q: %w", out, err)
		}
		r.cpsat = append(r.cpsat, time.Duration(a.SolveSeconds*float64(time.Second)))
		r.cpStatus, r.cpCost, r.cpBound, r.cpOptimal = a.Status, a.Objective+inst.RequiredCost, a.Bound+inst.RequiredCost, a.Status == "OPTIMAL"
		cpIDs := make([]string, len(a.Chosen))
		for k, o := range a.Chosen {
			cpIDs[k] = inst.Options[o]
		}
		if err := check(in, req, cpIDs, r.cpCost); err != nil {
			return fmt.Errorf("CP-SAT's set: %w", err)
		}
		r.checkedSets++
		if r.oursOptimal && r.cpOptimal && r.oursCost != r.cpCost {
			return fmt.Errorf("both solvers claim the optimum but atlasgraph found %v and CP-SAT %v", r.oursCost, r.cpCost)
		}
	}
	r.checkedChains = len(in.Chains)
	return nil
}

// check verifies, without the solvers' code, that set breaks every chain that
// can be broken (a depth-first search from each source over steps no member
// mitigates finds no sink) and costs cost.
func check(in *analysis.Input, req analysis.SetRequest, set []string, cost float64) error {
	covers := map[string]bool{}
	all := map[string]bool{}
	sum := 0.0
	for _, m := range set {
		c, ok := req.Costs[m]
		if !ok {
			c = 1
		}
		sum += c
		for _, t := range in.Knowledge.Mitigates[m] {
			covers[t] = true
		}
	}
	if sum != cost {
		return fmt.Errorf("members cost %v, the answer says %v", sum, cost)
	}
	for _, ts := range in.Knowledge.Mitigates {
		for _, t := range ts {
			all[t] = true
		}
	}
	for _, ch := range in.Chains {
		if open(ch, all) {
			continue // no mitigation at all breaks it
		}
		if open(ch, covers) {
			return fmt.Errorf("chain %s has a route no member mitigates", ch.ID)
		}
	}
	return nil
}

// open reports whether some source-to-sink route of ch has no step whose
// technique is in covered.
func open(ch analysis.Chain, covered map[string]bool) bool {
	byID := map[string]analysis.Step{}
	hasIn := map[string]bool{}
	for _, s := range ch.Steps {
		byID[s.ID] = s
		for _, n := range s.Next {
			hasIn[n] = true
		}
	}
	memo := map[string]bool{}
	var walk func(s analysis.Step) bool
	walk = func(s analysis.Step) bool {
		if v, ok := memo[s.ID]; ok {
			return v
		}
		v := false
		if !covered[s.Technique] {
			if len(s.Next) == 0 {
				v = true
			}
			for _, n := range s.Next {
				if walk(byID[n]) {
					v = true
					break
				}
			}
		}
		memo[s.ID] = v
		return v
	}
	for _, s := range ch.Steps {
		if !hasIn[s.ID] && walk(s) {
			return true
		}
	}
	return false
}

func median(s []time.Duration) time.Duration {
	c := slices.Clone(s)
	slices.Sort(c)
	return c[len(c)/2]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

func report(w io.Writer, rows []row, loadBefore string, runs int, seed uint64) {
	fmt.Fprintf(w, "Minimum mitigation set, atlasgraph beside OR-Tools CP-SAT (1 worker, linearization level 2), medians of %d alternating runs, seed %d; load average before %s, after %s.\n\n", runs, seed, loadBefore, machine.LoadAvg())
	fmt.Fprintln(w, "| release | costs | options × rows | atlasgraph | CP-SAT solve | CP-SAT / atlasgraph | atlasgraph answer | CP-SAT answer |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		ours := fmt.Sprintf("%g, optimal, %d nodes", r.oursCost, r.nodes)
		if !r.oursOptimal {
			ours = fmt.Sprintf("%g, bound %g, %d nodes", r.oursCost, r.oursBound, r.nodes)
		}
		cp := fmt.Sprintf("%g, %s", r.cpCost, strings.ToLower(r.cpStatus))
		if !r.cpOptimal {
			cp += fmt.Sprintf(", bound %g", r.cpBound)
		}
		ratio := float64(median(r.cpsat)) / float64(median(r.ours))
		fmt.Fprintf(w, "| %s | %s | %d × %d | %s | %s | %.1f× | %s | %s |\n", r.label, r.costs, r.options, r.rows, ms(median(r.ours)), ms(median(r.cpsat)), ratio, ours, cp)
	}
	n := 0
	for _, r := range rows {
		n += r.checkedSets
	}
	fmt.Fprintf(w, "\nEvery one of the %d sets returned was checked against every chain of its release by a walk independent of both solvers.\n\n", n)
}

// processCPU is the CPU time (user and system) of this process so far: on a
// loaded machine it measures the solver better than wall time does (the
// solver is single-threaded; the garbage collector's work is counted too).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
