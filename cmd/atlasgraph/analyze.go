package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/internal/config"
)

// The analyze commands ask the application layer the questions GraphQL
// asks, with the same arguments, defaults and limits (checked there), and
// print its answer: --json prints the GraphQL answer itself (the fields of
// ChainAnalysis, MinimalMitigationSet, AttackPathResult, ChokePoints,
// CoverageGaps, each object as {"id", "name"}) with the question's
// arguments echoed; text is a reading of the same answer.

// analyzeFlags are the flags every analyze command takes.
type analyzeFlags struct {
	cfg     *config.Neo4j
	release string
	inherit bool
	prevent bool
	json    bool
}

func addAnalyzeFlags(fs *pflag.FlagSet, getenv func(string) string) *analyzeFlags {
	f := &analyzeFlags{cfg: config.Neo4jFlags(fs, getenv)}
	fs.StringVar(&f.release, "release", "", "release to analyse (default: the current release)")
	fs.BoolVar(&f.inherit, "inherit-from-parent", false, "let a mitigation of a parent technique also cover its sub-techniques")
	fs.BoolVar(&f.prevent, "prevent-only", false, "count a mitigation as covering a step only when it prevents it on the defender's side (the threat-model rule, docs/threatmodel.md); default: ATLAS's links count literally")
	fs.BoolVar(&f.json, "json", false, "print JSON: the GraphQL answer to the same question (see docs/cli.md)")
	return f
}

// listFlag collects ids given comma-separated, in one flag or repeated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Type names the value in help.
func (l *listFlag) Type() string { return "ids" }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// costFlag reads ID=COST pairs.
type costFlag map[string]float64

// Type names the value in help.
func (c costFlag) Type() string { return "ID=COST,..." }

func (c costFlag) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, fmt.Sprintf("%s=%g", k, c[k]))
	}
	return strings.Join(parts, ",")
}

func (c costFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		id, val, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("%q: write MITIGATION=COST, e.g. AML.M0015=2", p)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || !(f > 0) || f > app.MaxCost {
			return fmt.Errorf("%q: the cost must be a positive number, at most %g", p, float64(app.MaxCost))
		}
		c[strings.TrimSpace(id)] = f
	}
	return nil
}

// analyzeRun is what one analyze command asks with.
type analyzeRun struct {
	ctx     context.Context // the command's; stops the computations
	svc     *app.Service
	release string
	inherit bool
	prevent bool
	stderr  io.Writer // where long computations show their progress
}

func inheritNote(inherit bool) string {
	if inherit {
		return "a mitigation of a parent technique also covers its sub-techniques"
	}
	return "a mitigation covers only the techniques it names, not their sub-techniques"
}

// label is "ID Name" for text output.
func label(id, name string) string {
	if name != "" {
		return id + " " + name
	}
	return id
}

// pluralOf makes the plural of the nouns this file uses.
func pluralOf(noun string) string {
	if strings.HasSuffix(noun, "study") {
		return strings.TrimSuffix(noun, "y") + "ies"
	}
	return noun + "s"
}

// countOf writes "1 path", "2 paths".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %s", n, pluralOf(noun))
}

// idList joins ids for text, eliding after max.
func idList(ids []string, max int) string {
	if len(ids) == 0 {
		return "none"
	}
	if max > 0 && len(ids) > max {
		return strings.Join(ids[:max], ", ") + fmt.Sprintf(", … (%d more)", len(ids)-max)
	}
	return strings.Join(ids, ", ")
}

func stepIDs(steps []app.ChainStep) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.StepID
	}
	return out
}

// ---- chain ----

// chainJSON is GraphQL's ChainAnalysis with the question's arguments.
type chainJSON struct {
	*app.ChainAnalysis
	CaseStudy         string   `json:"caseStudy,omitempty"`
	Techniques        []string `json:"techniques,omitempty"`
	InheritFromParent bool     `json:"inheritFromParent"`
	PreventOnly       bool     `json:"preventOnly"`
}

func chainCommand(fs *pflag.FlagSet) func(io.Writer, *analyzeRun) (any, error) {
	caseStudy := fs.String("case-study", "", "case study whose chain to analyse: an id such as AML.CS0000, or its name")
	var techniques listFlag
	fs.Var(&techniques, "techniques", "ordered technique ids (or names) forming a chain, comma-separated")
	return func(w io.Writer, r *analyzeRun) (any, error) {
		if (*caseStudy == "") == (len(techniques) == 0) {
			return nil, usageError{msg: "analyze chain needs --case-study ID or --techniques ID,ID,..., not both"}
		}
		if r == nil {
			return nil, nil
		}
		ans, err := r.svc.Chain(r.ctx, app.ChainQuestion{Release: r.release, CaseStudy: *caseStudy, Techniques: techniques, InheritFromParent: r.inherit, PreventOnly: r.prevent})
		if err != nil {
			return nil, err
		}
		v := ans.View()
		writeChain(w, ans, v, r.inherit)
		return chainJSON{ChainAnalysis: v, CaseStudy: *caseStudy, Techniques: techniques, InheritFromParent: r.inherit, PreventOnly: r.prevent}, nil
	}
}

func writeChain(w io.Writer, ans *app.ChainAnswer, v *app.ChainAnalysis, inherit bool) {
	caseStudy := len(ans.HopEvidence) == 0 && len(v.Evidence) == 1 && v.Evidence[0] == v.Chain
	if caseStudy {
		fmt.Fprintf(w, "Chain of case study %s %q, ATLAS release %s: %d steps.\n", v.Chain, ans.Release.Name(v.Chain), v.Release, len(v.Steps))
	} else {
		fmt.Fprintf(w, "Chain of the %d techniques given, ATLAS release %s.\n", len(v.Steps), v.Release)
	}
	fmt.Fprintf(w, "Coverage rule: %s.\n\n", inheritNote(inherit))
	switch {
	case v.Breakable && len(v.Mitigations) > 0:
		fmt.Fprintf(w, "Can it be broken? Yes: %s each break it on their own.\n\n", countOf(len(v.Mitigations), "mitigation"))
	case v.Breakable:
		fmt.Fprintf(w, "Can it be broken? Yes, but only by combining mitigations (see atlasgraph analyze minimal-set).\n\n")
	default:
		fmt.Fprintf(w, "Can it be broken? No: no mitigation covers any step of the route %s.\n\n", strings.Join(stepIDs(v.OpenRoute), " → "))
	}
	covered := map[string][]string{}
	for _, b := range slices.Concat(v.Mitigations, v.Partial) {
		for _, h := range b.Hits {
			covered[h.StepID] = append(covered[h.StepID], b.Mitigation.ID)
		}
	}
	fmt.Fprintln(w, "Steps:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range v.Steps {
		tactic := ""
		if s.Tactic != nil {
			tactic = s.Tactic.Name
		}
		cov := "NOT COVERED"
		if c := covered[s.StepID]; len(c) > 0 {
			slices.Sort(c)
			cov = "covered by " + strings.Join(c, ", ")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", s.StepID, tactic, label(s.Technique.ID, s.Technique.Name), cov)
	}
	tw.Flush()
	if len(v.Mitigations) > 0 {
		fmt.Fprintln(w, "\nMitigations that break the chain on their own, earliest break first:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, m := range v.Mitigations {
			fmt.Fprintf(tw, "  %s\tbreaks at %s\thits %s\n", label(m.Mitigation.ID, m.Mitigation.Name), m.EarliestBreak.StepID, strings.Join(stepIDs(m.Hits), ", "))
		}
		tw.Flush()
	}
	if len(v.Partial) > 0 {
		fmt.Fprintln(w, "\nMitigations that cover some steps but leave a route open:")
		for _, m := range v.Partial {
			fmt.Fprintf(w, "  %s\thits %s\n", label(m.Mitigation.ID, m.Mitigation.Name), strings.Join(stepIDs(m.Hits), ", "))
		}
	}
	if len(v.UncoveredSteps) > 0 {
		fmt.Fprintf(w, "\nSteps no mitigation covers: %s.\n", strings.Join(stepIDs(v.UncoveredSteps), ", "))
	} else {
		fmt.Fprintln(w, "\nEvery step is covered by at least one mitigation.")
	}
	if caseStudy {
		fmt.Fprintf(w, "Evidence: case study %s.\n", v.Chain)
		return
	}
	fmt.Fprintln(w, "Evidence: the technique list given; its moves in the case studies:")
	for i := 0; i+1 < len(v.Steps) && i < len(ans.HopEvidence); i++ {
		a, b := v.Steps[i], v.Steps[i+1]
		seen := "seen in no case study"
		if cases := ans.HopEvidence[i]; len(cases) > 0 {
			seen = "seen in " + idList(cases, 8)
		}
		fmt.Fprintf(w, "  %s → %s (%s → %s): %s\n", a.StepID, b.StepID, a.Technique.ID, b.Technique.ID, seen)
	}
}

// ---- minimal-set ----

// setJSON is GraphQL's MinimalMitigationSet with the question's arguments.
type setJSON struct {
	*app.MinimalMitigationSet
	CaseStudies       []string           `json:"caseStudies,omitempty"`
	Costs             map[string]float64 `json:"costs,omitempty"`
	Require           []string           `json:"require,omitempty"`
	Exclude           []string           `json:"exclude,omitempty"`
	Budget            int                `json:"budget"`
	InheritFromParent bool               `json:"inheritFromParent"`
	PreventOnly       bool               `json:"preventOnly"`
}

func minimalSetCommand(fs *pflag.FlagSet) func(io.Writer, *analyzeRun) (any, error) {
	var cases, require, exclude listFlag
	costs := costFlag{}
	fs.Var(&cases, "case-studies", "case studies in scope, comma-separated (default: all with steps)")
	fs.Var(costs, "cost", "mitigation costs as ID=COST, comma-separated (default cost 1)")
	fs.Var(&require, "require", "mitigations every answer must contain")
	fs.Var(&exclude, "exclude", "mitigations no answer may contain")
	alternatives := fs.Int("alternatives", 0, fmt.Sprintf("further optimal sets to list, 0 to %d", app.MaxAlternatives))
	budget := fs.Int("budget", app.DefaultBudget, fmt.Sprintf("most search nodes to visit, 1 to %d", app.MaxBudget))
	timeLimit := fs.Duration("time-limit", 0, "stop the search after this long (e.g. 30s, 5m) and print the best set found with its proven bound (default: no limit; Ctrl-C does the same)")
	quiet := fs.Bool("quiet", false, "show no search progress on stderr")
	return func(w io.Writer, r *analyzeRun) (any, error) {
		if *timeLimit < 0 {
			return nil, usageError{msg: fmt.Sprintf("--time-limit %v: give a positive duration such as 30s or 5m", *timeLimit)}
		}
		q := app.SetQuestion{CaseStudies: cases, Costs: costs, Require: require, Exclude: exclude, Alternatives: *alternatives, Budget: *budget,
			TimeLimit: *timeLimit}
		if r == nil {
			return nil, q.Check()
		}
		q.Release, q.InheritFromParent, q.PreventOnly = r.release, r.inherit, r.prevent
		var pl *progressLine
		if !*quiet && r.stderr != nil {
			pl = newProgressLine(r.stderr)
			q.Progress = pl.show
		}
		ans, err := r.svc.MinimalSet(r.ctx, q)
		pl.done()
		if err != nil {
			return nil, err
		}
		v := ans.View()
		fmt.Fprintf(w, "Least-cost mitigation set for %s of ATLAS release %s.\n", countOf(len(ans.Evidence), "case study"), v.Release)
		fmt.Fprintf(w, "Coverage rule: %s.\n\n", inheritNote(r.inherit))
		writeSet(w, ans.Release, v, ans.Result.RouteCapHit, "case study")
		if len(ans.Evidence) == len(ans.Release.Input.Chains) && len(ans.Evidence) > 10 {
			fmt.Fprintf(w, "\nEvidence: all %d case studies with steps, %s to %s.\n", len(ans.Evidence), ans.Evidence[0], ans.Evidence[len(ans.Evidence)-1])
		} else {
			fmt.Fprintf(w, "\nEvidence: case studies %s.\n", idList(ans.Evidence, 0))
		}
		out := setJSON{MinimalMitigationSet: v, CaseStudies: cases, Require: require, Exclude: exclude, Budget: *budget, InheritFromParent: r.inherit, PreventOnly: r.prevent}
		if len(costs) > 0 {
			out.Costs = costs
		}
		return out, nil
	}
}

// stopWhat names what stopped a search.
func stopWhat(r *string) string {
	if r != nil {
		switch *r {
		case "deadline":
			return "deadline"
		case "cancelled":
			return "cancellation (Ctrl-C)"
		case "timeLimit":
			return "time limit"
		}
	}
	return "node budget"
}

// progressLine shows a long minimal-set search on stderr: one line updated
// in place, with a bar closing as the gap does, on a terminal; otherwise a
// plain line when the best set improves and every progressEvery. Searches
// that end within the first report show nothing.
type progressLine struct {
	w     io.Writer
	tty   bool
	shown bool
	last  time.Duration
	best  float64
}

// progressEvery is how often a plain (not terminal) progress line repeats
// while the best set does not change.
const progressEvery = 10 * time.Second

func newProgressLine(w io.Writer) *progressLine {
	return &progressLine{w: w, best: math.Inf(1), tty: isTerminal(w)}
}

func (p *progressLine) show(s app.SetProgress) {
	best, gap := "none yet", "?"
	if s.Found {
		best, gap = fmt.Sprintf("%g", s.BestCost), fmt.Sprintf("%.1f%%", 100*s.Gap)
	}
	text := fmt.Sprintf("searching: best %s, proven bound %g, gap %s, %d nodes, %s", best, s.Bound, gap, s.Nodes, s.Elapsed.Round(100*time.Millisecond))
	if p.tty {
		const width = 20
		filled := int(math.Round(width * (1 - s.Gap)))
		fmt.Fprintf(p.w, "\r[%s%s] %s (Ctrl-C: stop and print the best set)\x1b[K", strings.Repeat("#", filled), strings.Repeat("-", width-filled), text)
		p.shown = true
		return
	}
	if s.BestCost < p.best || s.Elapsed-p.last >= progressEvery {
		p.best, p.last = s.BestCost, s.Elapsed
		fmt.Fprintln(p.w, text)
	}
}

// done clears the terminal line, if one was drawn.
func (p *progressLine) done() {
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// searchTime words the search's own time: milliseconds below a second.
func searchTime(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%.0f ms", s*1000)
	}
	return fmt.Sprintf("%.1f s", s)
}

// writeSet prints a set answer; what names a chain ("case study", "path").
func writeSet(w io.Writer, rel *app.AnalysisRelease, r *app.MinimalMitigationSet, routeCapHit []string, what string) {
	switch {
	case len(r.Chains) == 0:
		fmt.Fprintf(w, "No %s in scope can be broken, so no mitigation set is proposed.\n", what)
	case r.Optimal:
		fmt.Fprintf(w, "%s, total cost %g, break every %s that can be broken (%d); no cheaper set exists (search: %s, %s).\n",
			countOf(len(r.Members), "mitigation"), r.Cost, what, len(r.Chains), countOf(r.SearchNodes, "node"), searchTime(r.SearchSeconds))
	default:
		fmt.Fprintf(w, "NOT PROVEN OPTIMAL. %s, total cost %g, break every %s that can be broken (%d). The search stopped at its %s (%s, %s): this set may not be the cheapest, but no set costs less than %g.\n",
			countOf(len(r.Members), "mitigation"), r.Cost, what, len(r.Chains), stopWhat(r.StoppedBy), countOf(r.SearchNodes, "node"), searchTime(r.SearchSeconds), r.LowerBound)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, m := range r.Members {
		req := ""
		if m.Required {
			req = ", required"
		}
		fmt.Fprintf(tw, "  %s\t(cost %g%s)\thelps break %d: %s\n", label(m.Mitigation.ID, m.Mitigation.Name), m.Cost, req, len(m.Chains), idList(m.Chains, 6))
	}
	tw.Flush()
	if len(r.Alternatives) > 0 {
		fmt.Fprintf(w, "Other sets of the same cost:\n")
		for i, a := range r.Alternatives {
			var ids []string
			for _, m := range a.Members {
				ids = append(ids, m.Mitigation.ID)
			}
			fmt.Fprintf(w, "  %d. %s\n", i+1, strings.Join(ids, ", "))
		}
	}
	if len(routeCapHit) > 0 {
		fmt.Fprintf(w, "These %s have so many routes that their constraints were built lazily (the answer is still exact): %s\n", pluralOf(what), idList(routeCapHit, 10))
	}
	if len(r.Unbreakable) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s cannot be broken by any allowed mitigation:\n", countOf(len(r.Unbreakable), what))
	for _, u := range r.Unbreakable {
		name := ""
		if n := rel.Name(u.ID); n != "" {
			name = fmt.Sprintf(" %q", n)
		}
		fmt.Fprintf(w, "  %s%s: no mitigation covers the route %s\n", u.ID, name, strings.Join(u.Route, " → "))
	}
}

// ---- paths ----

// pathsJSON is GraphQL's AttackPathResult with the question's arguments.
type pathsJSON struct {
	*app.AttackPathResult
	From               string   `json:"from"`
	To                 string   `json:"to"`
	MaxHops            int      `json:"maxHops"`
	Limit              int      `json:"limit"`
	MinSupport         int      `json:"minSupport"`
	ExcludeMitigatedBy []string `json:"excludeMitigatedBy"`
	InheritFromParent  bool     `json:"inheritFromParent"`
	PreventOnly        bool     `json:"preventOnly"`
}

type pathParams struct {
	from, to                *string
	maxHops, limit, support *int
	exclude                 listFlag
}

func pathsCommand(fs *pflag.FlagSet) func(io.Writer, *analyzeRun) (any, error) {
	p := &pathParams{
		from:    fs.String("from", "", "where paths start: a tactic (any of its techniques) or a technique, by id or name"),
		to:      fs.String("to", "", "where paths end: a tactic or a technique, by id or name"),
		maxHops: fs.Int("max-hops", app.DefaultPathHops, fmt.Sprintf("most transitions in a path, 1 to %d", app.MaxPathHops)),
		limit:   fs.Int("limit", app.DefaultPathLimit, fmt.Sprintf("most paths to return, 1 to %d", app.MaxPathLimit)),
		support: fs.Int("min-support", 1, "least number of case studies a transition needs to be followed"),
	}
	fs.Var(&p.exclude, "exclude-mitigated-by", "mitigations in place: paths avoid every technique they cover")
	return func(w io.Writer, r *analyzeRun) (any, error) {
		if *p.from == "" || *p.to == "" {
			return nil, usageError{msg: "analyze paths needs --from ID and --to ID (a tactic or a technique each)"}
		}
		q := app.PathQuestion{From: *p.from, To: *p.to, MaxHops: *p.maxHops, Limit: *p.limit, MinSupport: *p.support, ExcludeMitigatedBy: p.exclude}
		if r == nil {
			return nil, q.Check()
		}
		q.Release, q.InheritFromParent, q.PreventOnly = r.release, r.inherit, r.prevent
		ans, err := r.svc.AttackPaths(r.ctx, q)
		if err != nil {
			return nil, err
		}
		v := ans.View()
		writePaths(w, ans, v, p, r.inherit)
		return pathsJSON{AttackPathResult: v, From: *p.from, To: *p.to, MaxHops: *p.maxHops, Limit: *p.limit, MinSupport: *p.support,
			ExcludeMitigatedBy: nonNilStrings(p.exclude), InheritFromParent: r.inherit, PreventOnly: r.prevent}, nil
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// describeEnd says what a path end stands for.
func describeEnd(rel *app.AnalysisRelease, id string, techniques []string) string {
	if _, ok := rel.Tactics[id]; ok {
		return fmt.Sprintf("tactic %s (%s)", label(id, rel.Name(id)), countOf(len(techniques), "technique"))
	}
	return fmt.Sprintf("technique %s", label(id, rel.Name(id)))
}

func writePaths(w io.Writer, ans *app.PathAnswer, v *app.AttackPathResult, p *pathParams, inherit bool) {
	fmt.Fprintf(w, "Attack paths in ATLAS release %s from %s to %s.\n", v.Release, describeEnd(ans.Release, ans.FromID, ans.From), describeEnd(ans.Release, ans.ToID, ans.To))
	fmt.Fprintf(w, "At most %s, each seen in at least %s; up to %s, ranked by the support of their weakest hop, then by total support.\n",
		countOf(*p.maxHops, "hop"), countOf(*p.support, "case study"), countOf(*p.limit, "path"))
	if len(p.exclude) > 0 {
		fmt.Fprintf(w, "Avoiding techniques covered by %s (%s).\n", strings.Join(p.exclude, ", "), inheritNote(inherit))
	}
	if v.Truncated {
		fmt.Fprintf(w, "The search stopped after %d extensions: better paths than some shown may exist.\n", v.Expansions)
	}
	if len(v.Paths) == 0 {
		fmt.Fprintln(w, "\nNo path found.")
		return
	}
	fmt.Fprintln(w)
	for i, path := range v.Paths {
		fmt.Fprintf(w, "%d. %s: %s, weakest hop seen in %s, %d in total\n", i+1, path.ID, countOf(len(path.Hops), "hop"), countOf(path.Support, "case study"), path.TotalSupport)
		fmt.Fprintf(w, "     %s\n", label(path.Techniques[0].ID, path.Techniques[0].Name))
		for _, h := range path.Hops {
			fmt.Fprintf(w, "   → %s   [%s]\n", label(h.To.ID, h.To.Name), idList(h.CaseStudies, 6))
		}
	}
	fmt.Fprintf(w, "\nMitigations that break the returned paths (coverage rule: %s):\n", inheritNote(inherit))
	writeSet(w, ans.Release, v.MitigationSet, ans.Result.Mitigation.RouteCapHit, "path")
	fmt.Fprintf(w, "\nEvidence: case studies %s.\n", idList(ans.Evidence, 0))
}

// ---- choke-points ----

// chokeJSON is GraphQL's ChokePoints with the question's arguments.
type chokeJSON struct {
	*app.ChokePoints
	Limit             int    `json:"limit"`
	Paths             int    `json:"paths"`
	From              string `json:"from,omitempty"`
	To                string `json:"to,omitempty"`
	InheritFromParent bool   `json:"inheritFromParent"`
	PreventOnly       bool   `json:"preventOnly"`
}

func chokePointsCommand(fs *pflag.FlagSet) func(io.Writer, *analyzeRun) (any, error) {
	limit := fs.Int("limit", app.DefaultChokeLimit, fmt.Sprintf("most techniques and mitigations to list, 1 to %d", app.MaxChokeLimit))
	nPaths := fs.Int("paths", app.DefaultChokePaths, fmt.Sprintf("attack paths to count as well, 0 to %d (0: case studies only)", app.MaxPathLimit))
	from := fs.String("from", "", "where the counted paths start (default: the first tactic of the matrix)")
	to := fs.String("to", "", "where the counted paths end (default: the last tactic of the matrix)")
	maxHops := fs.Int("max-hops", app.ChokePathHops, fmt.Sprintf("most transitions in a counted path, 1 to %d", app.MaxPathHops))
	return func(w io.Writer, r *analyzeRun) (any, error) {
		q := app.ChokeQuestion{Limit: *limit, Paths: *nPaths, MaxHops: *maxHops, From: *from, To: *to}
		if r == nil {
			return nil, q.Check()
		}
		q.Release, q.InheritFromParent, q.PreventOnly = r.release, r.inherit, r.prevent
		ans, err := r.svc.ChokePoints(r.ctx, q)
		if err != nil {
			return nil, err
		}
		v := ans.View()
		fmt.Fprintf(w, "Choke points of ATLAS release %s over %d case studies", v.Release, len(ans.Release.Input.Chains))
		if ans.Paths != nil {
			fmt.Fprintf(w, " and the %d best attack paths (at most %d hops)", len(ans.Paths.Result.Paths), *maxHops)
		}
		fmt.Fprintf(w, ".\nCoverage rule: %s.\n\n", inheritNote(r.inherit))
		fmt.Fprintln(w, "Techniques on the most case studies and paths (cuts: case studies every route of which uses it):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  RANK\tTECHNIQUE\tCASE STUDIES\tCUTS\tPATHS\tEVIDENCE")
		for i, t := range ans.Report.Techniques {
			fmt.Fprintf(tw, "  %d\t%s\t%d\t%d\t%d\t%s\n", i+1, label(t.Technique, ans.Release.Name(t.Technique)), len(t.Chains), len(t.Cuts), len(t.Paths), idList(t.Chains, 4))
		}
		tw.Flush()
		fmt.Fprintln(w, "\nMitigations that break the most case studies and paths on their own:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  RANK\tMITIGATION\tBREAKS CASE STUDIES\tBREAKS PATHS\tHITS CASE STUDIES\tEVIDENCE")
		for i, m := range ans.Report.Mitigations {
			fmt.Fprintf(tw, "  %d\t%s\t%d\t%d\t%d\t%s\n", i+1, label(m.Mitigation, ans.Release.Name(m.Mitigation)), len(m.BreaksChains), len(m.BreaksPaths), len(m.HitsChains), idList(m.BreaksChains, 4))
		}
		tw.Flush()
		return chokeJSON{ChokePoints: v, Limit: *limit, Paths: *nPaths, From: *from, To: *to, InheritFromParent: r.inherit, PreventOnly: r.prevent}, nil
	}
}

// ---- gaps ----

// gapsJSON is GraphQL's CoverageGaps with the question's arguments.
type gapsJSON struct {
	*app.CoverageGaps
	Limit             int  `json:"limit"`
	InheritFromParent bool `json:"inheritFromParent"`
	PreventOnly       bool `json:"preventOnly"`
}

func gapsCommand(fs *pflag.FlagSet) func(io.Writer, *analyzeRun) (any, error) {
	limit := fs.Int("limit", 0, "most techniques to list (0: all)")
	return func(w io.Writer, r *analyzeRun) (any, error) {
		if r == nil {
			return nil, nil
		}
		ans, err := r.svc.CoverageGaps(r.ctx, app.GapsQuestion{Release: r.release, Limit: *limit, InheritFromParent: r.inherit, PreventOnly: r.prevent})
		if err != nil {
			return nil, err
		}
		v := ans.View()
		fmt.Fprintf(w, "Techniques no mitigation covers in ATLAS release %s: %d of %d.\n", v.Release, ans.Total, ans.Techniques)
		fmt.Fprintf(w, "Coverage rule: %s. Ranked by maturity, then by the number of case studies using the technique.\n\n", inheritNote(r.inherit))
		if ans.Total == 0 {
			fmt.Fprintln(w, "Every technique is covered by at least one mitigation.")
		} else {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  MATURITY\tCASE STUDIES\tTECHNIQUE\tEVIDENCE")
			for i, g := range v.Techniques {
				m := ans.Gaps[i].Maturity
				if m == "" {
					m = "unknown"
				}
				fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", m, g.CaseStudyCount, label(g.Technique.ID, g.Technique.Name), idList(g.CaseStudies, 5))
			}
			tw.Flush()
			if len(v.Techniques) < ans.Total {
				fmt.Fprintf(w, "(%d more; raise --limit to see them)\n", ans.Total-len(v.Techniques))
			}
		}
		return gapsJSON{CoverageGaps: v, Limit: *limit, InheritFromParent: r.inherit, PreventOnly: r.prevent}, nil
	}
}
