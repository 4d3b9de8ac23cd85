// Command advice evaluates threat-model advice on ATLAS case studies
// (issue 19, "Measure it"). For every model under -models, each the victim
// system of one case study written from its summary and target only, it
// runs `atlasgraph model report MODEL --atlas RELEASE --format json` and
// scores the report against the techniques of the case study's procedure:
//
//   - recall: the share of the procedure's techniques the report lists as
//     applicable, and the share among the first 20 (rank order, or file
//     order when the report has no rank);
//   - how many techniques the report lists;
//   - whether the case study is an incident (exact, or a near incident
//     with match "partial" covering at least 60% of its steps), and at
//     which position among the incidents (first 10 or not);
//   - whether the recommended mitigations together with the implemented
//     controls truly cut every route of the procedure: a step on the
//     defender's side mitigated by a mitigation whose effect on it is to
//     prevent, judged with the judge's own labels (labels.yaml), never
//     with the engine's; case studies nothing can cut are named apart;
//   - the fixpoint: the model with every recommended mitigation implemented
//     on the whole system (written to a temporary file) must get no further
//     recommendation.
//
// Usage, from the repository root:
//
//	go run ./bench/advice [-bin atlasgraph] [-json] [-o FILE]
//
// Without -bin it builds ./cmd/atlasgraph into a temporary directory. It
// needs no Neo4j. It prints a markdown table per model and the overall
// figures beside issue 19's targets, or the same as JSON with -json.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench/advice:", err)
		os.Exit(1)
	}
}

type config struct {
	models, atlas, labels, bin, out string
	asJSON                          bool
	timeout                         time.Duration
}

// result is the whole evaluation, as -json prints it.
type result struct {
	Release string       `json:"release"`
	Binary  string       `json:"binary"`
	Models  []modelScore `json:"models"`
	Overall overall      `json:"overall"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("advice", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.models, "models", "bench/advice/models", "directory of threat models, one per case study, named csNNNN-*.yaml or naming AML.CSNNNN in a comment")
	fs.StringVar(&c.atlas, "atlas", "../shared/data/atlas/v6/ATLAS-2026.05.yaml", "ATLAS release file (format 6)")
	fs.StringVar(&c.labels, "labels", "bench/advice/labels.yaml", "the judge's labels")
	fs.StringVar(&c.bin, "bin", "", "atlasgraph binary to evaluate (default: build ./cmd/atlasgraph)")
	fs.BoolVar(&c.asJSON, "json", false, "print JSON instead of markdown")
	fs.StringVar(&c.out, "o", "", "write to this file instead of standard output")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "time allowed for one report")
	summaries := fs.Bool("summaries", false, "print what a model's author may read of each case study (id, name, date, type, target, actor, summary; never the procedure), of the case-study ids given as arguments or of all, and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *summaries {
		return writeSummaries(stdout, c.atlas, fs.Args())
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: every input is a flag (see -h)", fs.Args())
	}
	rel, err := readRelease(c.atlas)
	if err != nil {
		return err
	}
	j, err := readJudge(c.labels, rel)
	if err != nil {
		return err
	}
	var files []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, err := filepath.Glob(filepath.Join(c.models, pat))
		if err != nil {
			return err
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		return fmt.Errorf("no models (*.yaml) in %s", c.models)
	}
	sort.Strings(files)
	tmp, err := os.MkdirTemp("", "bench-advice-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := c.bin
	if bin == "" {
		bin = filepath.Join(tmp, "atlasgraph")
		fmt.Fprintln(stderr, "building ./cmd/atlasgraph ...")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/atlasgraph")
		cmd.Stderr = stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build ./cmd/atlasgraph (run from the repository root, or give -bin): %w", err)
		}
	}
	res := result{Release: rel.version, Binary: c.bin, Models: []modelScore{}}
	if res.Binary == "" {
		res.Binary = "./cmd/atlasgraph (built)"
	}
	notes := map[string]bool{}
	for _, f := range files {
		s, err := evaluate(ctx, c, bin, tmp, rel, j, f, notes)
		if err != nil {
			return err
		}
		res.Models = append(res.Models, s)
	}
	res.Overall = summarize(res.Models, notes)

	w := stdout
	if c.out != "" {
		fh, err := os.Create(c.out)
		if err != nil {
			return err
		}
		defer fh.Close()
		w = fh
	}
	if c.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	_, err = io.WriteString(w, markdown(res))
	return err
}

// evaluate scores one model: report, score, then the fixpoint report.
func evaluate(ctx context.Context, c config, bin, tmp string, rel *release, j *judge, file string, notes map[string]bool) (modelScore, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return modelScore{}, err
	}
	id, err := caseStudyOf(file, src)
	if err != nil {
		return modelScore{}, err
	}
	cs := rel.caseStudies[id]
	if cs == nil {
		return modelScore{}, fmt.Errorf("%s: case study %s is not in ATLAS %s", file, id, rel.version)
	}
	r, err := reportOn(ctx, c, bin, file)
	if err != nil {
		return modelScore{}, err
	}
	f, err := modelFacts(src)
	if err != nil {
		return modelScore{}, fmt.Errorf("%s: %w", file, err)
	}
	s := score(j, cs, filepath.Base(file), f, r, notes)
	fixed, err := withImplemented(src, s.Recommended)
	if err != nil {
		return modelScore{}, fmt.Errorf("%s: %w", file, err)
	}
	fixedFile := filepath.Join(tmp, "fixpoint-"+filepath.Base(file))
	if err := os.WriteFile(fixedFile, fixed, 0o600); err != nil {
		return modelScore{}, err
	}
	r2, err := reportOn(ctx, c, bin, fixedFile)
	if err != nil {
		return modelScore{}, fmt.Errorf("the model with the recommendations implemented: %w", err)
	}
	for _, m := range r2.RecommendedMitigations {
		s.FixpointExtra = append(s.FixpointExtra, m.ID)
	}
	s.Fixpoint = len(s.FixpointExtra) == 0
	return s, nil
}

func reportOn(ctx context.Context, c config, bin, file string) (*report, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "model", "report", file, "--atlas", c.atlas, "--format", "json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%s: the report took longer than %s", file, c.timeout)
		}
		return nil, fmt.Errorf("%s: atlasgraph model report failed: %v: %s", file, err, strings.TrimSpace(stderr.String()))
	}
	r, err := parseReport(out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return r, nil
}

// Issue 19's targets.
const (
	targetRecall     = 0.92
	targetTop20      = 0.75
	targetListed     = 70
	targetFoundTop10 = 0.90
	targetTrulyCut   = 0.80
	targetFixpoint   = 1.0
)

func markdown(res result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ATLAS %s, %d models, binary %s.\n\n", res.Release, len(res.Models), res.Binary)
	b.WriteString("| case study | listed | recall | top-20 | incident (position/of) | recommended | non-preventing | truly cut | fixpoint |\n")
	b.WriteString("|---|---:|---:|---:|---|---|---|---|---|\n")
	for _, s := range res.Models {
		inc := "—"
		if s.Incident != "" {
			inc = fmt.Sprintf("%s %d/%d", s.Incident, s.IncidentPosition, s.Incidents)
			if s.Incident != "exact" {
				inc = fmt.Sprintf("%s %.0f%% %d/%d", s.Incident, 100*s.IncidentCoverage, s.IncidentPosition, s.Incidents)
			}
		}
		cut := "no"
		switch {
		case !s.Cuttable:
			cut = "uncuttable"
		case s.CutByControls:
			cut = "yes (controls)"
		case s.TrulyCut.Cut:
			cut = "yes"
		}
		fix := "yes"
		if !s.Fixpoint {
			fix = fmt.Sprintf("no (+%d)", len(s.FixpointExtra))
		}
		fmt.Fprintf(&b, "| %s %s | %d | %.2f (%d/%d) | %.2f | %s | %s | %s | %s | %s |\n",
			s.CaseStudy, s.Name, s.Listed, s.Recall, s.Hits, len(s.Techniques), s.Top20, inc,
			list(s.Recommended), list(s.NonPreventing), cut, fix)
	}
	o := res.Overall
	b.WriteString("\n| figure | value | target |\n|---|---:|---|\n")
	fmt.Fprintf(&b, "| recall (pooled / mean of models) | %.2f / %.2f | ≥ %.2f |\n", o.RecallPooled, o.RecallMean, targetRecall)
	fmt.Fprintf(&b, "| recall in the first 20 (pooled / mean) | %.2f / %.2f | ≥ %.2f |\n", o.Top20Pooled, o.Top20Mean, targetTop20)
	fmt.Fprintf(&b, "| techniques listed per model (mean / median) | %.1f / %.1f | ≤ ~%d |\n", o.ListedMean, o.ListedMedian, targetListed)
	fmt.Fprintf(&b, "| case study found as an incident (exact or partial ≥60%%; of %d of more than one step) | %.0f%% (exact %.0f%%) | |\n", o.Models-len(o.OneStep), 100*o.Found, 100*o.FoundExact)
	fmt.Fprintf(&b, "| found among the first 10 incidents | %.0f%% | ≥ %.0f%% |\n", 100*o.FoundTop10, 100*targetFoundTop10)
	fmt.Fprintf(&b, "| recommendations + controls truly cut (of %d cuttable) | %.0f%% | ≥ %.0f%% |\n", o.Cuttable, 100*o.TrulyCut, 100*targetTrulyCut)
	fmt.Fprintf(&b, "| of those the implemented controls leave open (%d), cut by the recommendations | %.0f%% | |\n", o.OpenByControls, 100*o.CutByAdvice)
	fmt.Fprintf(&b, "| fixpoint (nothing more recommended once implemented) | %.0f%% | %.0f%% |\n", 100*o.Fixpoint, 100*targetFixpoint)
	fmt.Fprintf(&b, "| recommendations per model (mean); share the judge labels non-preventing | %.1f; %.0f%% | |\n", o.RecommendedMean, 100*o.NonPreventing)
	if len(o.OneStep) > 0 {
		fmt.Fprintf(&b, "\nCase studies of one step, not incidents on their own and left out of \"found\": %s.\n", strings.Join(o.OneStep, ", "))
	}
	if len(o.Uncuttable) > 0 {
		fmt.Fprintf(&b, "\nNothing can cut under the rule (every route holds only attacker-side steps or steps no mitigation prevents): %s.\n", strings.Join(o.Uncuttable, ", "))
	}
	if len(o.Notes) > 0 {
		b.WriteString("\nFallbacks (the report lacks fields of issue 19's contract):\n")
		for _, n := range o.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

func list(xs []string) string {
	if len(xs) == 0 {
		return "—"
	}
	short := make([]string, len(xs))
	for i, x := range xs {
		short[i] = strings.TrimPrefix(x, "AML.")
	}
	return strings.Join(short, " ")
}
