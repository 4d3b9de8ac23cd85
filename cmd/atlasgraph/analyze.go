package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/spf13/pflag"
)

// analyzeFlags are the flags every analyze command takes.
type analyzeFlags struct {
	cfg     *config.Neo4j
	release string
	inherit bool
	json    bool
}

func addAnalyzeFlags(fs *pflag.FlagSet, getenv func(string) string) *analyzeFlags {
	f := &analyzeFlags{cfg: config.Neo4jFlags(fs, getenv)}
	fs.StringVar(&f.release, "release", "", "release to analyse (default: the current release)")
	fs.BoolVar(&f.inherit, "inherit-from-parent", false, "let a mitigation of a parent technique also cover its sub-techniques")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	return f
}

func (f *analyzeFlags) options() analysis.Options {
	return analysis.Options{InheritFromParent: f.inherit}
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
		if err != nil || !(f > 0) || f > analysis.MaxCost {
			return fmt.Errorf("%q: the cost must be a positive number, at most %g", p, float64(analysis.MaxCost))
		}
		c[strings.TrimSpace(id)] = f
	}
	return nil
}

// releaseView is one release ready for analysis, with the names reports show.
type releaseView struct {
	ctx    context.Context // the command's; stops the computations
	svc    *app.Service    // asks the questions, as every face does
	stderr io.Writer       // where long computations show their progress
	rel    *atlas.Release
	in     *analysis.Input
	opts   analysis.Options
	names  map[string]string // any id -> name
	tactic map[string]bool
	order  []string // tactic ids in matrix order
}

func newReleaseView(a *app.AnalysisRelease, opts analysis.Options) *releaseView {
	rel := a.Release
	v := &releaseView{rel: rel, in: a.Input, opts: opts, names: map[string]string{}, tactic: map[string]bool{}}
	for _, t := range rel.Tactics {
		v.names[t.ID], v.tactic[t.ID] = t.Name, true
		v.order = append(v.order, t.ID)
	}
	for _, t := range rel.Techniques {
		v.names[t.ID] = t.Name
	}
	for _, m := range rel.Mitigations {
		v.names[m.ID] = m.Name
	}
	for _, c := range rel.CaseStudies {
		v.names[c.ID] = c.Name
	}
	return v
}

// idName is an id with its name, as the JSON output gives every object.
type idName struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

func (v *releaseView) ref(id string) idName { return idName{ID: id, Name: v.names[id]} }

func (v *releaseView) refs(ids []string) []idName {
	out := make([]idName, 0, len(ids))
	for _, id := range ids {
		out = append(out, v.ref(id))
	}
	return out
}

// label is "ID Name" for text output.
func (v *releaseView) label(id string) string {
	if n := v.names[id]; n != "" {
		return id + " " + n
	}
	return id
}

// idError is an id the release does not have; it is the user's to fix but
// not a command-line mistake, so it exits 1 like other data errors.
type idError struct{ msg string }

func (e idError) Error() string { return e.msg }

// unknown names the id, the release and the ids that would be valid.
func (v *releaseView) unknown(kind, id, flagName string, valid []string) error {
	hint := ""
	if len(valid) > 0 {
		lo, hi := slices.Min(valid), slices.Max(valid)
		hint = fmt.Sprintf("; its %s run from %s to %s", pluralOf(kind), lo, hi)
	}
	return idError{fmt.Sprintf("unknown %s %q in release %s (%s)%s; check the id, or pick another release with --release (see atlasgraph releases)",
		kind, id, v.rel.Version, flagName, hint)}
}

func (v *releaseView) caseStudyIDs() []string {
	ids := make([]string, 0, len(v.rel.CaseStudies))
	for _, c := range v.rel.CaseStudies {
		ids = append(ids, c.ID)
	}
	return ids
}

func (v *releaseView) mitigationIDs() []string {
	ids := make([]string, 0, len(v.rel.Mitigations))
	for _, m := range v.rel.Mitigations {
		ids = append(ids, m.ID)
	}
	return ids
}

func (v *releaseView) techniqueIDs() []string {
	ids := make([]string, 0, len(v.rel.Techniques))
	for _, t := range v.rel.Techniques {
		ids = append(ids, t.ID)
	}
	return ids
}

func (v *releaseView) checkMitigations(ids []string, flagName string) error {
	for _, id := range ids {
		if !v.in.HasMitigation(id) {
			return v.unknown("mitigation", id, flagName, v.mitigationIDs())
		}
	}
	return nil
}

func (v *releaseView) chain(caseStudy, flagName string) (analysis.Chain, error) {
	ch, ok := v.in.Chain(caseStudy)
	if ok {
		return ch, nil
	}
	if slices.Contains(v.caseStudyIDs(), caseStudy) {
		return analysis.Chain{}, idError{fmt.Sprintf("case study %q of release %s has no steps, so no chain to analyse", caseStudy, v.rel.Version)}
	}
	return analysis.Chain{}, v.unknown("case study", caseStudy, flagName, v.caseStudyIDs())
}

func (v *releaseView) inheritNote() string {
	if v.opts.InheritFromParent {
		return "a mitigation of a parent technique also covers its sub-techniques"
	}
	return "a mitigation covers only the techniques it names, not their sub-techniques"
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

// ---- chain ----

type chainStep struct {
	StepID    string   `json:"stepId"`
	Technique idName   `json:"technique"`
	Tactic    *idName  `json:"tactic,omitempty"`
	Next      []string `json:"next"`
	CoveredBy []string `json:"coveredBy"`
}

type chainMitigation struct {
	Mitigation idName `json:"mitigation"`
	// Hits are the steps the mitigation covers, in step order.
	Hits []stepRef `json:"hits"`
	// EarliestBreak is the first step at which the mitigation alone breaks
	// the chain; null when it does not break it alone.
	EarliestBreak *stepRef `json:"earliestBreak"`
}

type stepRef struct {
	StepID string `json:"stepId"`
}

func stepRefs(ids []string) []stepRef {
	out := make([]stepRef, 0, len(ids))
	for _, id := range ids {
		out = append(out, stepRef{id})
	}
	return out
}

type chainResult struct {
	Release           string            `json:"release"`
	Chain             string            `json:"chain"`
	CaseStudy         *idName           `json:"caseStudy,omitempty"`
	InheritFromParent bool              `json:"inheritFromParent"`
	Breakable         bool              `json:"breakable"`
	Steps             []chainStep       `json:"steps"`
	Mitigations       []chainMitigation `json:"mitigations"`
	Partial           []chainMitigation `json:"partialMitigations"`
	UncoveredSteps    []stepRef         `json:"uncoveredSteps"`
	OpenRoute         []string          `json:"openRoute,omitempty"`
	// Evidence are the case studies the answer rests on: the case study
	// itself, or those showing a transition of a technique list.
	Evidence []string `json:"evidence"`
}

func chainCommand(fs *pflag.FlagSet) func(io.Writer, *releaseView) (any, error) {
	caseStudy := fs.String("case-study", "", "case study whose chain to analyse, e.g. AML.CS0000")
	var techniques listFlag
	fs.Var(&techniques, "techniques", "ordered technique ids forming a chain, comma-separated")
	return func(w io.Writer, v *releaseView) (any, error) {
		if (*caseStudy == "") == (len(techniques) == 0) {
			return nil, usageError{msg: "analyze chain needs --case-study ID or --techniques ID,ID,..., not both"}
		}
		if v == nil {
			return nil, nil
		}
		var ch analysis.Chain
		res := chainResult{Release: v.rel.Version, InheritFromParent: v.opts.InheritFromParent}
		if *caseStudy != "" {
			var err error
			if ch, err = v.chain(*caseStudy, "--case-study"); err != nil {
				return nil, err
			}
			r := v.ref(ch.ID)
			res.CaseStudy, res.Evidence = &r, []string{ch.ID}
		} else {
			for _, t := range techniques {
				if !v.in.HasTechnique(t) {
					return nil, v.unknown("technique", t, "--techniques", v.techniqueIDs())
				}
			}
			ch = analysis.ChainFromTechniques(techniques)
		}
		ans, err := v.svc.Chain(v.ctx, app.ChainQuestion{Release: v.rel.Version, CaseStudy: *caseStudy, Techniques: techniques, InheritFromParent: v.opts.InheritFromParent})
		if err != nil {
			return nil, err
		}
		ch, rep := ans.Chain, ans.Report
		res.Chain, res.Breakable, res.OpenRoute = rep.ChainID, rep.Breakable, rep.OpenRoute
		res.UncoveredSteps = stepRefs(rep.UncoveredSteps)
		byID := map[string]analysis.Step{}
		for _, s := range ch.Steps {
			byID[s.ID] = s
		}
		covered := map[string][]string{}
		for _, h := range slices.Concat(rep.Breakers, rep.Partial) {
			for _, s := range h.Steps {
				covered[s] = append(covered[s], h.Mitigation)
			}
		}
		for _, id := range rep.Order {
			s := byID[id]
			cs := chainStep{StepID: id, Technique: v.ref(s.Technique), Next: nonNilStrings(s.Next), CoveredBy: nonNilStrings(covered[id])}
			slices.Sort(cs.CoveredBy)
			if s.Tactic != "" {
				t := v.ref(s.Tactic)
				cs.Tactic = &t
			}
			res.Steps = append(res.Steps, cs)
		}
		toOut := func(h analysis.MitigationHits) chainMitigation {
			m := chainMitigation{Mitigation: v.ref(h.Mitigation), Hits: stepRefs(h.Steps)}
			if h.BreaksAt != "" {
				m.EarliestBreak = &stepRef{h.BreaksAt}
			}
			return m
		}
		res.Mitigations, res.Partial = []chainMitigation{}, []chainMitigation{}
		for _, h := range rep.Breakers {
			res.Mitigations = append(res.Mitigations, toOut(h))
		}
		for _, h := range rep.Partial {
			res.Partial = append(res.Partial, toOut(h))
		}
		var hopEvidence []string
		if res.CaseStudy == nil {
			hopEvidence = v.hopEvidence(ch, ans.HopEvidence)
		}
		res.Evidence = nonNilStrings(ans.Evidence)
		writeChain(w, v, res, hopEvidence)
		return res, nil
	}
}

// hopEvidence describes, for a technique list, which case studies show each
// of its moves.
func (v *releaseView) hopEvidence(ch analysis.Chain, hops [][]string) []string {
	var lines []string
	for i := 0; i+1 < len(ch.Steps) && i < len(hops); i++ {
		a, b := ch.Steps[i], ch.Steps[i+1]
		cases := hops[i]
		seen := "seen in no case study"
		if len(cases) > 0 {
			seen = "seen in " + idList(cases, 8)
		}
		lines = append(lines, fmt.Sprintf("%s → %s (%s → %s): %s", a.ID, b.ID, a.Technique, b.Technique, seen))
	}
	return lines
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeChain(w io.Writer, v *releaseView, res chainResult, hopEvidence []string) {
	if res.CaseStudy != nil {
		fmt.Fprintf(w, "Chain of case study %s %q, ATLAS release %s: %d steps.\n", res.CaseStudy.ID, res.CaseStudy.Name, res.Release, len(res.Steps))
	} else {
		fmt.Fprintf(w, "Chain of the %d techniques given, ATLAS release %s.\n", len(res.Steps), res.Release)
	}
	fmt.Fprintf(w, "Coverage rule: %s.\n\n", v.inheritNote())
	switch {
	case res.Breakable && len(res.Mitigations) > 0:
		fmt.Fprintf(w, "Can it be broken? Yes: %s each break it on their own.\n\n", countOf(len(res.Mitigations), "mitigation"))
	case res.Breakable:
		fmt.Fprintf(w, "Can it be broken? Yes, but only by combining mitigations (see atlasgraph analyze minimal-set).\n\n")
	default:
		fmt.Fprintf(w, "Can it be broken? No: no mitigation covers any step of the route %s.\n\n", strings.Join(res.OpenRoute, " → "))
	}
	fmt.Fprintln(w, "Steps:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range res.Steps {
		tactic := ""
		if s.Tactic != nil {
			tactic = s.Tactic.Name
		}
		cov := "NOT COVERED"
		if len(s.CoveredBy) > 0 {
			cov = "covered by " + strings.Join(s.CoveredBy, ", ")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", s.StepID, tactic, v.label(s.Technique.ID), cov)
	}
	tw.Flush()
	if len(res.Mitigations) > 0 {
		fmt.Fprintln(w, "\nMitigations that break the chain on their own, earliest break first:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, m := range res.Mitigations {
			fmt.Fprintf(tw, "  %s\tbreaks at %s\thits %s\n", v.label(m.Mitigation.ID), m.EarliestBreak.StepID, joinSteps(m.Hits))
		}
		tw.Flush()
	}
	if len(res.Partial) > 0 {
		fmt.Fprintln(w, "\nMitigations that cover some steps but leave a route open:")
		for _, m := range res.Partial {
			fmt.Fprintf(w, "  %s\thits %s\n", v.label(m.Mitigation.ID), joinSteps(m.Hits))
		}
	}
	if len(res.UncoveredSteps) > 0 {
		fmt.Fprintf(w, "\nSteps no mitigation covers: %s.\n", joinSteps(res.UncoveredSteps))
	} else {
		fmt.Fprintln(w, "\nEvery step is covered by at least one mitigation.")
	}
	if res.CaseStudy != nil {
		fmt.Fprintf(w, "Evidence: case study %s.\n", res.CaseStudy.ID)
		return
	}
	fmt.Fprintln(w, "Evidence: the technique list given; its moves in the case studies:")
	for _, l := range hopEvidence {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

func joinSteps(s []stepRef) string {
	ids := make([]string, len(s))
	for i, x := range s {
		ids[i] = x.StepID
	}
	return strings.Join(ids, ", ")
}

// ---- minimal-set ----

type setMember struct {
	Mitigation idName  `json:"mitigation"`
	Cost       float64 `json:"cost"`
	Required   bool    `json:"required"`
	// Breaks are the in-scope case studies (or paths) in which the member
	// covers at least one step.
	Breaks []string `json:"breaks"`
}

type setOut struct {
	Cost        float64     `json:"cost"`
	Mitigations []setMember `json:"mitigations"`
}

type unbreakableOut struct {
	ID             string    `json:"id"`
	Name           string    `json:"name,omitempty"`
	UncoveredSteps []stepRef `json:"uncoveredSteps"`
	Route          []string  `json:"route"`
}

type setResultOut struct {
	// Optimal reports that the search proved the set is of least cost.
	Optimal bool `json:"optimal"`
	// StoppedBy says what stopped the search early ("" when it finished).
	StoppedBy string `json:"stoppedBy,omitempty"`
	// LowerBound is the proven least possible cost.
	LowerBound   float64          `json:"lowerBound"`
	Nodes        int              `json:"searchNodes"`
	Best         setOut           `json:"best"`
	Mitigations  []idName         `json:"mitigations"`
	Alternatives []setOut         `json:"alternatives"`
	Unbreakable  []unbreakableOut `json:"unbreakable"`
	InScope      []string         `json:"inScope"`
	RouteCapHit  []string         `json:"routeCapHit,omitempty"`
}

func (v *releaseView) setOut(r analysis.SetResult) setResultOut {
	conv := func(s analysis.MitigationSet) setOut {
		o := setOut{Cost: s.Cost, Mitigations: []setMember{}}
		for _, m := range s.Members {
			o.Mitigations = append(o.Mitigations, setMember{Mitigation: v.ref(m.Mitigation), Cost: m.Cost, Required: m.Required, Breaks: nonNilStrings(m.Chains)})
		}
		return o
	}
	out := setResultOut{Optimal: r.Optimal, StoppedBy: string(r.Stopped), LowerBound: r.LowerBound, Nodes: r.Nodes, Best: conv(r.Best),
		Alternatives: []setOut{}, Unbreakable: []unbreakableOut{}, InScope: nonNilStrings(r.InScope), RouteCapHit: r.RouteCapHit}
	out.Mitigations = []idName{}
	for _, m := range r.Best.Members {
		out.Mitigations = append(out.Mitigations, v.ref(m.Mitigation))
	}
	for _, a := range r.Alternatives {
		out.Alternatives = append(out.Alternatives, conv(a))
	}
	for _, u := range r.Unbreakable {
		out.Unbreakable = append(out.Unbreakable, unbreakableOut{ID: u.ChainID, Name: v.names[u.ChainID], UncoveredSteps: stepRefs(u.Steps), Route: u.Route})
	}
	return out
}

type minimalSetResult struct {
	Release           string             `json:"release"`
	InheritFromParent bool               `json:"inheritFromParent"`
	Costs             map[string]float64 `json:"costs,omitempty"`
	Require           []string           `json:"require,omitempty"`
	Exclude           []string           `json:"exclude,omitempty"`
	setResultOut
	// Evidence are the case studies in scope, breakable or not.
	Evidence []string `json:"evidence"`
}

func minimalSetCommand(fs *pflag.FlagSet) func(io.Writer, *releaseView) (any, error) {
	var cases, require, exclude listFlag
	costs := costFlag{}
	fs.Var(&cases, "case-studies", "case studies in scope, comma-separated (default: all with steps)")
	fs.Var(costs, "cost", "mitigation costs as ID=COST, comma-separated (default cost 1)")
	fs.Var(&require, "require", "mitigations every answer must contain")
	fs.Var(&exclude, "exclude", "mitigations no answer may contain")
	alternatives := fs.Int("alternatives", 0, fmt.Sprintf("further optimal sets to list, 0 to %d", analysis.MaxAlternatives))
	budget := fs.Int("budget", analysis.DefaultBudget, fmt.Sprintf("most search nodes to visit, 1 to %d", app.MaxBudget))
	timeLimit := fs.Duration("time-limit", 0, "stop the search after this long (e.g. 30s, 5m) and print the best set found with its proven bound (default: no limit; Ctrl-C does the same)")
	quiet := fs.Bool("quiet", false, "show no search progress on stderr")
	return func(w io.Writer, v *releaseView) (any, error) {
		if *timeLimit < 0 {
			return nil, usageError{msg: fmt.Sprintf("--time-limit %v: give a positive duration such as 30s or 5m", *timeLimit)}
		}
		if *alternatives < 0 || *alternatives > analysis.MaxAlternatives {
			return nil, usageError{msg: fmt.Sprintf("--alternatives %d: ask for 0 to %d", *alternatives, analysis.MaxAlternatives)}
		}
		if *budget < 1 || *budget > app.MaxBudget {
			return nil, usageError{msg: fmt.Sprintf("--budget %d: give a positive number of search nodes, at most %d (default %d)", *budget, app.MaxBudget, analysis.DefaultBudget)}
		}
		if v == nil {
			return nil, nil
		}
		for _, id := range cases {
			if _, err := v.chain(id, "--case-studies"); err != nil {
				return nil, err
			}
		}
		for id := range costs {
			if !v.in.HasMitigation(id) {
				return nil, v.unknown("mitigation", id, "--cost", v.mitigationIDs())
			}
		}
		if err := v.checkMitigations(require, "--require"); err != nil {
			return nil, err
		}
		if err := v.checkMitigations(exclude, "--exclude"); err != nil {
			return nil, err
		}
		q := app.SetQuestion{Release: v.rel.Version, CaseStudies: cases, Costs: costs, Require: require, Exclude: exclude,
			Alternatives: *alternatives, Budget: *budget, InheritFromParent: v.opts.InheritFromParent, TimeLimit: *timeLimit}
		var pl *progressLine
		if !*quiet && v.stderr != nil {
			pl = newProgressLine(v.stderr)
			q.Progress = pl.show
		}
		ans, err := v.svc.MinimalSet(v.ctx, q)
		pl.done()
		if err != nil {
			return nil, err
		}
		res := minimalSetResult{Release: v.rel.Version, InheritFromParent: v.opts.InheritFromParent, Require: require, Exclude: exclude, setResultOut: v.setOut(ans.Result)}
		if len(costs) > 0 {
			res.Costs = costs
		}
		res.Evidence = nonNilStrings(ans.Evidence)
		writeMinimalSet(w, v, res)
		return res, nil
	}
}

func writeMinimalSet(w io.Writer, v *releaseView, res minimalSetResult) {
	fmt.Fprintf(w, "Least-cost mitigation set for %s of ATLAS release %s.\n", countOf(len(res.Evidence), "case study"), res.Release)
	fmt.Fprintf(w, "Coverage rule: %s.\n\n", v.inheritNote())
	writeSet(w, v, res.setResultOut, "case study")
	if len(res.Evidence) == len(v.in.Chains) && len(res.Evidence) > 10 {
		fmt.Fprintf(w, "\nEvidence: all %d case studies with steps, %s to %s.\n", len(res.Evidence), res.Evidence[0], res.Evidence[len(res.Evidence)-1])
		return
	}
	fmt.Fprintf(w, "\nEvidence: case studies %s.\n", idList(res.Evidence, 0))
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
	p := &progressLine{w: w, best: math.Inf(1)}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progressLine) show(s analysis.SetProgress) {
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

// stopWhat names what stopped a search.
func stopWhat(r string) string {
	switch analysis.StopReason(r) {
	case analysis.StopDeadline:
		return "deadline"
	case analysis.StopCancelled:
		return "cancellation (Ctrl-C)"
	case analysis.StopTimeLimit:
		return "time limit"
	}
	return "node budget"
}

// writeSet prints a set result; what names a chain ("case study", "path").
func writeSet(w io.Writer, v *releaseView, r setResultOut, what string) {
	switch {
	case len(r.InScope) == 0:
		fmt.Fprintf(w, "No %s in scope can be broken, so no mitigation set is proposed.\n", what)
	case r.Optimal:
		fmt.Fprintf(w, "%s, total cost %g, break every %s that can be broken (%d); no cheaper set exists (search: %s).\n",
			countOf(len(r.Best.Mitigations), "mitigation"), r.Best.Cost, what, len(r.InScope), countOf(r.Nodes, "node"))
	default:
		fmt.Fprintf(w, "NOT PROVEN OPTIMAL. %s, total cost %g, break every %s that can be broken (%d). The search stopped at its %s (%s): this set may not be the cheapest, but no set costs less than %g.\n",
			countOf(len(r.Best.Mitigations), "mitigation"), r.Best.Cost, what, len(r.InScope), stopWhat(r.StoppedBy), countOf(r.Nodes, "node"), r.LowerBound)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, m := range r.Best.Mitigations {
		req := ""
		if m.Required {
			req = ", required"
		}
		fmt.Fprintf(tw, "  %s\t(cost %g%s)\thelps break %d: %s\n", v.label(m.Mitigation.ID), m.Cost, req, len(m.Breaks), idList(m.Breaks, 6))
	}
	tw.Flush()
	if len(r.Alternatives) > 0 {
		fmt.Fprintf(w, "Other sets of the same cost:\n")
		for i, a := range r.Alternatives {
			var ids []string
			for _, m := range a.Mitigations {
				ids = append(ids, m.Mitigation.ID)
			}
			fmt.Fprintf(w, "  %d. %s\n", i+1, strings.Join(ids, ", "))
		}
	}
	if len(r.RouteCapHit) > 0 {
		fmt.Fprintf(w, "These %s have so many routes that their constraints were built lazily (the answer is still exact): %s\n", pluralOf(what), idList(r.RouteCapHit, 10))
	}
	if len(r.Unbreakable) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s cannot be broken by any allowed mitigation:\n", countOf(len(r.Unbreakable), what))
	for _, u := range r.Unbreakable {
		name := ""
		if u.Name != "" {
			name = fmt.Sprintf(" %q", u.Name)
		}
		fmt.Fprintf(w, "  %s%s: no mitigation covers the route %s\n", u.ID, name, strings.Join(u.Route, " → "))
	}
}

// ---- paths ----

type pathEnd struct {
	ID         string   `json:"id"`
	Name       string   `json:"name,omitempty"`
	Kind       string   `json:"kind"`
	Techniques []string `json:"techniques"`
}

type hopOut struct {
	From        string   `json:"from"`
	To          string   `json:"to"`
	Support     int      `json:"support"`
	CaseStudies []string `json:"caseStudies"`
}

type pathOut struct {
	ID         string   `json:"id"`
	Techniques []idName `json:"techniques"`
	Hops       []hopOut `json:"hops"`
	// Support is the least number of case studies showing a hop.
	Support      int `json:"support"`
	TotalSupport int `json:"totalSupport"`
}

type pathsResult struct {
	Release            string        `json:"release"`
	InheritFromParent  bool          `json:"inheritFromParent"`
	From               pathEnd       `json:"from"`
	To                 pathEnd       `json:"to"`
	MaxHops            int           `json:"maxHops"`
	Limit              int           `json:"limit"`
	MinSupport         int           `json:"minSupport"`
	ExcludeMitigatedBy []string      `json:"excludeMitigatedBy"`
	Paths              []pathOut     `json:"paths"`
	Truncated          bool          `json:"truncated"`
	Expansions         int           `json:"expansions"`
	MitigationSet      *setResultOut `json:"mitigationSet"`
	// Unbreakable are the ids of returned paths no mitigation covers.
	Unbreakable []string `json:"unbreakable"`
	Evidence    []string `json:"evidence"`
}

func (v *releaseView) endpoint(id, flagName string) (pathEnd, error) {
	techs, ok := v.in.Endpoints(id)
	if !ok {
		return pathEnd{}, idError{fmt.Sprintf("%q (%s) is neither a tactic nor a technique of release %s; its tactics run from %s to %s and its techniques from %s to %s; check the id, or pick another release with --release (see atlasgraph releases)",
			id, flagName, v.rel.Version, slices.Min(v.order), slices.Max(v.order), slices.Min(v.techniqueIDs()), slices.Max(v.techniqueIDs()))}
	}
	kind := "technique"
	if v.tactic[id] {
		kind = "tactic"
	}
	return pathEnd{ID: id, Name: v.names[id], Kind: kind, Techniques: nonNilStrings(techs)}, nil
}

type pathParams struct {
	from, to                *string
	maxHops, limit, support *int
	exclude                 listFlag
}

func (p *pathParams) check(limitFlag string) error {
	if *p.maxHops < 1 || *p.maxHops > analysis.MaxPathHops {
		return usageError{msg: fmt.Sprintf("--max-hops %d: ask for 1 to %d", *p.maxHops, analysis.MaxPathHops)}
	}
	if *p.limit < 1 || *p.limit > analysis.MaxPathLimit {
		return usageError{msg: fmt.Sprintf("%s %d: ask for 1 to %d paths", limitFlag, *p.limit, analysis.MaxPathLimit)}
	}
	if *p.support < 1 {
		return usageError{msg: fmt.Sprintf("--min-support %d: a transition needs at least 1 case study", *p.support)}
	}
	return nil
}

// paths runs the path search from the flags.
func (v *releaseView) paths(p *pathParams) (pathsResult, error) {
	from, err := v.endpoint(*p.from, "--from")
	if err != nil {
		return pathsResult{}, err
	}
	to, err := v.endpoint(*p.to, "--to")
	if err != nil {
		return pathsResult{}, err
	}
	if err := v.checkMitigations(p.exclude, "--exclude-mitigated-by"); err != nil {
		return pathsResult{}, err
	}
	ans, err := v.svc.AttackPaths(v.ctx, app.PathQuestion{Release: v.rel.Version, From: *p.from, To: *p.to, MaxHops: *p.maxHops, Limit: *p.limit,
		MinSupport: *p.support, ExcludeMitigatedBy: p.exclude, InheritFromParent: v.opts.InheritFromParent})
	if err != nil {
		return pathsResult{}, err
	}
	return v.pathsOut(p, from, to, ans), nil
}

// pathsOut presents a path answer.
func (v *releaseView) pathsOut(p *pathParams, from, to pathEnd, ans *app.PathAnswer) pathsResult {
	r := ans.Result
	res := pathsResult{Release: v.rel.Version, InheritFromParent: v.opts.InheritFromParent, From: from, To: to,
		MaxHops: *p.maxHops, Limit: *p.limit, MinSupport: *p.support, ExcludeMitigatedBy: nonNilStrings(p.exclude),
		Paths: []pathOut{}, Truncated: r.Truncated, Expansions: r.Expansions, Unbreakable: nonNilStrings(r.Unbreakable)}
	for _, path := range r.Paths {
		po := pathOut{ID: path.ID, Techniques: v.refs(path.Techniques), Support: path.MinSupport, TotalSupport: path.TotalSupport}
		for _, h := range path.Hops {
			po.Hops = append(po.Hops, hopOut{From: h.From, To: h.To, Support: h.Count, CaseStudies: h.CaseStudies})
		}
		res.Paths = append(res.Paths, po)
	}
	set := v.setOut(r.Mitigation)
	res.MitigationSet = &set
	res.Evidence = nonNilStrings(ans.Evidence)
	return res
}

func pathsCommand(fs *pflag.FlagSet) func(io.Writer, *releaseView) (any, error) {
	p := &pathParams{
		from:    fs.String("from", "", "where paths start: a tactic (any of its techniques) or a technique"),
		to:      fs.String("to", "", "where paths end: a tactic or a technique"),
		maxHops: fs.Int("max-hops", 5, fmt.Sprintf("most transitions in a path, 1 to %d", analysis.MaxPathHops)),
		limit:   fs.Int("limit", 50, fmt.Sprintf("most paths to return, 1 to %d", analysis.MaxPathLimit)),
		support: fs.Int("min-support", 1, "least number of case studies a transition needs to be followed"),
	}
	fs.Var(&p.exclude, "exclude-mitigated-by", "mitigations in place: paths avoid every technique they cover")
	return func(w io.Writer, v *releaseView) (any, error) {
		if *p.from == "" || *p.to == "" {
			return nil, usageError{msg: "analyze paths needs --from ID and --to ID (a tactic or a technique each)"}
		}
		if err := p.check("--limit"); err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		res, err := v.paths(p)
		if err != nil {
			return nil, err
		}
		writePaths(w, v, res)
		return res, nil
	}
}

func (e pathEnd) describe() string {
	if e.Kind == "tactic" {
		return fmt.Sprintf("tactic %s %s (%s)", e.ID, e.Name, countOf(len(e.Techniques), "technique"))
	}
	return fmt.Sprintf("technique %s %s", e.ID, e.Name)
}

func writePaths(w io.Writer, v *releaseView, res pathsResult) {
	fmt.Fprintf(w, "Attack paths in ATLAS release %s from %s to %s.\n", res.Release, res.From.describe(), res.To.describe())
	fmt.Fprintf(w, "At most %s, each seen in at least %s; up to %s, ranked by the support of their weakest hop, then by total support.\n",
		countOf(res.MaxHops, "hop"), countOf(res.MinSupport, "case study"), countOf(res.Limit, "path"))
	if len(res.ExcludeMitigatedBy) > 0 {
		fmt.Fprintf(w, "Avoiding techniques covered by %s (%s).\n", strings.Join(res.ExcludeMitigatedBy, ", "), v.inheritNote())
	}
	if res.Truncated {
		fmt.Fprintf(w, "The search stopped after %d extensions: better paths than some shown may exist.\n", res.Expansions)
	}
	if len(res.Paths) == 0 {
		fmt.Fprintln(w, "\nNo path found.")
		return
	}
	fmt.Fprintln(w)
	for i, p := range res.Paths {
		fmt.Fprintf(w, "%d. %s: %s, weakest hop seen in %s, %d in total\n", i+1, p.ID, countOf(len(p.Hops), "hop"), countOf(p.Support, "case study"), p.TotalSupport)
		fmt.Fprintf(w, "     %s\n", v.label(p.Techniques[0].ID))
		for _, h := range p.Hops {
			fmt.Fprintf(w, "   → %s   [%s]\n", v.label(h.To), idList(h.CaseStudies, 6))
		}
	}
	fmt.Fprintf(w, "\nMitigations that break the returned paths (coverage rule: %s):\n", v.inheritNote())
	writeSet(w, v, *res.MitigationSet, "path")
	fmt.Fprintf(w, "\nEvidence: case studies %s.\n", idList(res.Evidence, 0))
}

// ---- choke-points ----

type techniqueChoke struct {
	Technique   idName   `json:"technique"`
	CaseStudies []string `json:"caseStudies"`
	// Cuts are the case studies every route of which uses the technique.
	Cuts  []string `json:"cuts"`
	Paths []string `json:"paths"`
}

type mitigationChoke struct {
	Mitigation idName `json:"mitigation"`
	// BreaksCaseStudies are the case studies it breaks on its own.
	BreaksCaseStudies []string `json:"breaksCaseStudies"`
	BreaksPaths       []string `json:"breaksPaths"`
	HitsCaseStudies   []string `json:"hitsCaseStudies"`
}

type chokeResult struct {
	Release           string            `json:"release"`
	InheritFromParent bool              `json:"inheritFromParent"`
	CaseStudies       int               `json:"caseStudies"`
	Paths             *pathsResult      `json:"paths,omitempty"`
	Techniques        []techniqueChoke  `json:"techniques"`
	Mitigations       []mitigationChoke `json:"mitigations"`
}

func chokePointsCommand(fs *pflag.FlagSet) func(io.Writer, *releaseView) (any, error) {
	limit := fs.Int("limit", 10, "most techniques and mitigations to list (0: all)")
	nPaths := fs.Int("paths", app.DefaultChokePaths, fmt.Sprintf("attack paths to countOf as well, 0 to %d (0: case studies only)", analysis.MaxPathLimit))
	p := &pathParams{
		from:    fs.String("from", "", "where the counted paths start (default: the first tactic of the matrix)"),
		to:      fs.String("to", "", "where the counted paths end (default: the last tactic of the matrix)"),
		maxHops: fs.Int("max-hops", 5, fmt.Sprintf("most transitions in a counted path, 1 to %d", analysis.MaxPathHops)),
		limit:   nPaths,
		support: new(int),
	}
	*p.support = 1
	return func(w io.Writer, v *releaseView) (any, error) {
		if *limit < 0 {
			return nil, usageError{msg: fmt.Sprintf("--limit %d: give a positive number, or 0 for all", *limit)}
		}
		if *nPaths != 0 {
			if err := p.check("--paths"); err != nil {
				return nil, err
			}
		}
		if v == nil {
			return nil, nil
		}
		res := chokeResult{Release: v.rel.Version, InheritFromParent: v.opts.InheritFromParent, CaseStudies: len(v.in.Chains),
			Techniques: []techniqueChoke{}, Mitigations: []mitigationChoke{}}
		var from, to pathEnd
		if *nPaths > 0 && len(v.order) > 0 {
			if *p.from == "" {
				*p.from = v.order[0]
			}
			if *p.to == "" {
				*p.to = v.order[len(v.order)-1]
			}
			var err error
			if from, err = v.endpoint(*p.from, "--from"); err != nil {
				return nil, err
			}
			if to, err = v.endpoint(*p.to, "--to"); err != nil {
				return nil, err
			}
		}
		ans, err := v.svc.ChokePoints(v.ctx, app.ChokeQuestion{Release: v.rel.Version, Limit: *limit, Paths: *nPaths, MaxHops: *p.maxHops,
			From: *p.from, To: *p.to, InheritFromParent: v.opts.InheritFromParent})
		if err != nil {
			return nil, err
		}
		if ans.Paths != nil {
			pr := v.pathsOut(p, from, to, ans.Paths)
			res.Paths = &pr
		}
		rep := ans.Report
		for _, t := range rep.Techniques {
			res.Techniques = append(res.Techniques, techniqueChoke{Technique: v.ref(t.Technique), CaseStudies: nonNilStrings(t.Chains),
				Cuts: nonNilStrings(t.Cuts), Paths: nonNilStrings(t.Paths)})
		}
		for _, m := range rep.Mitigations {
			res.Mitigations = append(res.Mitigations, mitigationChoke{Mitigation: v.ref(m.Mitigation), BreaksCaseStudies: nonNilStrings(m.BreaksChains),
				BreaksPaths: nonNilStrings(m.BreaksPaths), HitsCaseStudies: nonNilStrings(m.HitsChains)})
		}
		writeChokePoints(w, v, res)
		return res, nil
	}
}

func writeChokePoints(w io.Writer, v *releaseView, res chokeResult) {
	fmt.Fprintf(w, "Choke points of ATLAS release %s over %d case studies", res.Release, res.CaseStudies)
	if res.Paths != nil {
		fmt.Fprintf(w, " and the %d best attack paths from %s to %s (at most %d hops)", len(res.Paths.Paths), res.Paths.From.describe(), res.Paths.To.describe(), res.Paths.MaxHops)
	}
	fmt.Fprintf(w, ".\nCoverage rule: %s.\n\n", v.inheritNote())
	fmt.Fprintln(w, "Techniques on the most case studies and paths (cuts: case studies every route of which uses it):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  RANK\tTECHNIQUE\tCASE STUDIES\tCUTS\tPATHS\tEVIDENCE")
	for i, t := range res.Techniques {
		fmt.Fprintf(tw, "  %d\t%s\t%d\t%d\t%d\t%s\n", i+1, v.label(t.Technique.ID), len(t.CaseStudies), len(t.Cuts), len(t.Paths), idList(t.CaseStudies, 4))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nMitigations that break the most case studies and paths on their own:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  RANK\tMITIGATION\tBREAKS CASE STUDIES\tBREAKS PATHS\tHITS CASE STUDIES\tEVIDENCE")
	for i, m := range res.Mitigations {
		fmt.Fprintf(tw, "  %d\t%s\t%d\t%d\t%d\t%s\n", i+1, v.label(m.Mitigation.ID), len(m.BreaksCaseStudies), len(m.BreaksPaths), len(m.HitsCaseStudies), idList(m.BreaksCaseStudies, 4))
	}
	tw.Flush()
}

// ---- gaps ----

type gapOut struct {
	Technique   idName   `json:"technique"`
	Maturity    string   `json:"maturity"`
	CaseStudies []string `json:"caseStudies"`
}

type gapsResult struct {
	Release           string   `json:"release"`
	InheritFromParent bool     `json:"inheritFromParent"`
	Techniques        int      `json:"techniques"`
	Uncovered         int      `json:"uncovered"`
	Gaps              []gapOut `json:"gaps"`
}

func gapsCommand(fs *pflag.FlagSet) func(io.Writer, *releaseView) (any, error) {
	limit := fs.Int("limit", 0, "most techniques to list (0: all)")
	return func(w io.Writer, v *releaseView) (any, error) {
		if *limit < 0 {
			return nil, usageError{msg: fmt.Sprintf("--limit %d: give a positive number, or 0 for all", *limit)}
		}
		if v == nil {
			return nil, nil
		}
		ans, err := v.svc.CoverageGaps(v.ctx, v.rel.Version, v.opts.InheritFromParent)
		if err != nil {
			return nil, err
		}
		gaps := ans.Gaps
		res := gapsResult{Release: v.rel.Version, InheritFromParent: v.opts.InheritFromParent, Techniques: len(v.in.Techniques), Uncovered: len(gaps), Gaps: []gapOut{}}
		if *limit > 0 && len(gaps) > *limit {
			gaps = gaps[:*limit]
		}
		for _, g := range gaps {
			res.Gaps = append(res.Gaps, gapOut{Technique: v.ref(g.ID), Maturity: g.Maturity, CaseStudies: nonNilStrings(v.in.UsedBy[g.ID])})
		}
		writeGaps(w, v, res)
		return res, nil
	}
}

func writeGaps(w io.Writer, v *releaseView, res gapsResult) {
	fmt.Fprintf(w, "Techniques no mitigation covers in ATLAS release %s: %d of %d.\n", res.Release, res.Uncovered, res.Techniques)
	fmt.Fprintf(w, "Coverage rule: %s. Ranked by maturity, then by the number of case studies using the technique.\n\n", v.inheritNote())
	if len(res.Gaps) == 0 {
		fmt.Fprintln(w, "Every technique is covered by at least one mitigation.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  MATURITY\tCASE STUDIES\tTECHNIQUE\tEVIDENCE")
	for _, g := range res.Gaps {
		m := g.Maturity
		if m == "" {
			m = "unknown"
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", m, len(g.CaseStudies), v.label(g.Technique.ID), idList(g.CaseStudies, 5))
	}
	tw.Flush()
	if len(res.Gaps) < res.Uncovered {
		fmt.Fprintf(w, "(%d more; raise --limit to see them)\n", res.Uncovered-len(res.Gaps))
	}
}
