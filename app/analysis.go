package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/atlasgraph/atlasgraph/actors"
	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/threatmodel"
	"github.com/atlasgraph/atlasgraph/view"
)

// The analysis questions. Each method checks its question against the
// release, runs the computation of package analysis under the caller's
// context and returns the answer with the objects it names, so that every
// face asks the same computation with the same defaults and limits; the
// faces only present it.

// Limits of the analysis questions, the same for every face.
const (
	// MaxBudget bounds the search nodes a minimal-set question may ask for,
	// so that one question cannot hold a core for minutes.
	MaxBudget = 5_000_000
	// DefaultBudget is the search nodes a minimal-set question may visit
	// when it does not say; a budget below 1 is refused on every face.
	DefaultBudget = analysis.DefaultBudget
	// DefaultPathHops and DefaultPathLimit are the hops and the number of
	// paths a path question asks for when it does not say.
	DefaultPathHops  = 5
	DefaultPathLimit = 50
	// DefaultChokeLimit and MaxChokeLimit bound each list of a choke-point
	// answer: every face takes 1 to MaxChokeLimit (there is no "all": the
	// maximum is it for any release of today's size).
	DefaultChokeLimit = 10
	MaxChokeLimit     = 1000
	// MaxPathHops and MaxPathLimit bound a path question; MaxAlternatives
	// and MaxCost a minimal-set question.
	MaxPathHops     = analysis.MaxPathHops
	MaxPathLimit    = analysis.MaxPathLimit
	MaxAlternatives = analysis.MaxAlternatives
	MaxCost         = analysis.MaxCost
	// ChokePathHops and ChokePathLimit are the attack paths a choke-point
	// question counts besides the case studies when it asks for paths.
	ChokePathHops = 5
	// DefaultChokePaths is how many attack paths a choke-point question
	// counts when it does not say.
	DefaultChokePaths = 50
	// analysisCacheSize is how many releases' analysis inputs stay in memory.
	analysisCacheSize = 4
)

// ErrBadQuestion is matched (errors.Is) by the errors of a question the
// caller must change: an argument out of range or a computation refusing
// its input. Unknown ids are *atlas.NotFoundError instead. It also matches
// atlas.ErrBadInput, so the API presents it as BAD_INPUT.
var ErrBadQuestion = fmt.Errorf("bad question: %w", atlas.ErrBadInput)

func badQuestion(format string, args ...any) error {
	return &Error{Code: BadInput, Message: fmt.Sprintf(format, args...), Err: ErrBadQuestion}
}

// analysisErr turns an analysis error about the input (always the
// question's) into ErrBadQuestion; other errors (a stopped context) pass.
func analysisErr(err error) error {
	if errors.Is(err, analysis.ErrInvalidInput) {
		return badQuestion("%s", strings.TrimPrefix(err.Error(), "invalid input: "))
	}
	return err
}

// AnalysisRelease is one release ready for the analysis questions: its
// analysis view, the analysis input and the objects answers name. A
// complete release never changes, so it is cached by version and sha256.
type AnalysisRelease struct {
	// Release is the analysis view (tactics, techniques, mitigations, case
	// studies with steps). Read it, never modify it.
	Release *atlas.Release
	// Input is the analysis input built from Release.
	Input *analysis.Input
	// View is the held release the input was built from.
	View *view.Release
	// Effects holds, per mitigation, its curated effect (prevent, detect,
	// respond, unclassified) and, per (mitigation, technique) link, the
	// link's own; see threatmodel's semantics.
	Effects *Effects

	preventOnce sync.Once
	prevent     *analysis.Input // the input under the prevent-only rule
	// Techniques, Tactics and Mitigations are every object of those kinds
	// in the release, by id.
	Techniques  map[string]view.Technique
	Tactics     map[string]view.Tactic
	Mitigations map[string]view.Mitigation
}

// Version is the release's version.
func (a *AnalysisRelease) Version() string { return a.Release.Version }

// Name is the name of a tactic, technique, mitigation or case study of the
// release; "" when the id names none.
func (a *AnalysisRelease) Name(id string) string {
	if t, ok := a.Techniques[id]; ok {
		return t.Name
	}
	if t, ok := a.Tactics[id]; ok {
		return t.Name
	}
	if m, ok := a.Mitigations[id]; ok {
		return m.Name
	}
	for _, c := range a.Release.CaseStudies {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

// analysisCache keeps the analysis releases asked about last, by version
// and digest. Each question looks the release up in the read model's
// catalogue, which is how a switch of the current release or a replacement
// made through another server is followed (within the model's Poll): a
// replaced release has another digest and is read again.
type analysisCache struct {
	flight singleflight.Group // one build per release, whoever asks

	mu      sync.Mutex
	entries map[string]*AnalysisRelease
	order   []string    // oldest first
	onBuild func(Build) // see Service.OnBuild
}

// Build describes one release made ready in memory: read from Neo4j with
// its indexes (Kind "release"), or its analysis input built (Kind
// "analysis"). A server reports them as a metric.
type Build struct {
	// Kind is "release" or "analysis".
	Kind string
	// Version is the release built.
	Version string
	// Took is the time the build took.
	Took time.Duration
	// Warm is true when the server built it in the background because the
	// release became current (after a load, a switch or at start), before
	// any request used it; false when a request started it and waited.
	Warm bool
}

// OnBuild sets what to do after each build of a release into memory (a
// metric of the time it took, and of how many a request had to wait for).
// Call it before Warm.
func (s *Service) OnBuild(f func(Build)) {
	s.analysis.mu.Lock()
	s.analysis.onBuild = f
	s.analysis.mu.Unlock()
	s.model.OnRead(func(r readmodel.Read) {
		f(Build{Kind: "release", Version: r.Version, Took: r.Took, Warm: r.Warm})
	})
}

// build returns the analysis release of held, from the cache or built once
// for all who ask meanwhile (and then indexed for every question when warm:
// the path graph and the mitigation index are otherwise built by the first
// question that needs them).
func (c *analysisCache) build(held *view.Release, sem *threatmodel.Semantics, warm bool) *AnalysisRelease {
	a, _ := c.buildCtx(context.Background(), held, sem, warm)
	return a
}

// buildCtx is build for a request: it stops waiting when ctx ends (the
// build goes on for whoever asks next).
func (c *analysisCache) buildCtx(ctx context.Context, held *view.Release, sem *threatmodel.Semantics, warm bool) (*AnalysisRelease, error) {
	key := held.Info.Version + "@" + held.Info.SHA256
	if a := c.get(key); a != nil {
		return a, nil
	}
	ch := c.flight.DoChan(key, func() (any, error) {
		if a := c.get(key); a != nil {
			return a, nil
		}
		start := time.Now()
		a := analysisOf(held, sem)
		if warm {
			_ = a.Input.Index()       // an error is the path questions' to report
			_ = a.input(true).Index() // the threat-model rule's input
		}
		c.put(key, a)
		c.mu.Lock()
		f := c.onBuild
		c.mu.Unlock()
		if f != nil {
			f(Build{Kind: "analysis", Version: held.Info.Version, Took: time.Since(start), Warm: warm})
		}
		return a, nil
	})
	select {
	case r := <-ch:
		return r.Val.(*AnalysisRelease), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *analysisCache) get(key string) *AnalysisRelease {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[key]
}

func (c *analysisCache) put(key string, a *AnalysisRelease) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*AnalysisRelease{}
	}
	if _, ok := c.entries[key]; ok {
		return
	}
	c.entries[key] = a
	c.order = append(c.order, key)
	if len(c.order) > analysisCacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

// Analysis returns a release ready for analysis ("" for the current one).
func (s *Service) Analysis(ctx context.Context, release string) (_ *AnalysisRelease, err error) {
	defer wrap(&err)
	// The held release, as every other question gets it: while a release
	// made current elsewhere is being read, a server answers "the current
	// release" from the one it holds (readmodel.Model.Release).
	held, err := s.model.Release(ctx, release)
	if err != nil {
		return nil, err
	}
	// A release made current is built in the background before it serves
	// (Warm); a request only builds one it names itself, or one evicted.
	return s.analysis.buildCtx(ctx, held, s.sem, false)
}

// input is the analysis input under the literal rule, or, when
// preventOnly, under the threat-model rule (built once per release).
func (a *AnalysisRelease) input(preventOnly bool) *analysis.Input {
	if !preventOnly {
		return a.Input
	}
	a.preventOnce.Do(func() { a.prevent = a.Input.WithMitigates(a.Effects.preventOnly()) })
	return a.prevent
}

// analysisOf builds the analysis input of a held release: the domain value
// the release was read into, and its objects by id.
func analysisOf(held *view.Release, sem *threatmodel.Semantics) *AnalysisRelease {
	rel := held.Atlas
	a := &AnalysisRelease{Release: rel, Input: analysis.FromRelease(rel), View: held, Effects: effectsOf(sem, rel),
		Techniques: map[string]view.Technique{}, Tactics: map[string]view.Tactic{}, Mitigations: map[string]view.Mitigation{}}
	for _, t := range rel.Techniques {
		if x := held.TechniqueOrNil(t.ID); x != nil {
			a.Techniques[t.ID] = *x
		}
	}
	for _, t := range rel.Tactics {
		if x := held.TacticOrNil(t.ID); x != nil {
			a.Tactics[t.ID] = *x
		}
	}
	for _, m := range rel.Mitigations {
		if x := held.MitigationOrNil(m.ID); x != nil {
			a.Mitigations[m.ID] = *x
		}
	}
	return a
}

func (a *AnalysisRelease) notFound(kind, id string) error {
	var ids []string
	switch kind {
	case "case study":
		for _, c := range a.Release.CaseStudies {
			ids = append(ids, c.ID)
		}
	case "mitigation":
		for _, m := range a.Release.Mitigations {
			ids = append(ids, m.ID)
		}
	case "technique":
		for _, t := range a.Release.Techniques {
			ids = append(ids, t.ID)
		}
	case "tactic or technique":
		for _, t := range a.Release.Tactics {
			ids = append(ids, t.ID)
		}
	}
	hint := ""
	if len(ids) > 0 {
		hint = fmt.Sprintf(" (its ids run from %s to %s)", slices.Min(ids), slices.Max(ids))
	}
	return &Error{Code: NotFound, Err: &atlas.NotFoundError{Kind: kind, ID: id, Release: a.Version()},
		Message: fmt.Sprintf("%s %q is not in release %s%s; give an id or an exact name (atlasgraph search %q finds it), or pick another release (atlasgraph releases)",
			kind, id, a.Version(), hint, id)}
}

// chain is the chain of a case study.
func (a *AnalysisRelease) chain(id string) (analysis.Chain, error) {
	if ch, ok := a.Input.Chain(id); ok {
		return ch, nil
	}
	if a.Name(id) != "" {
		return analysis.Chain{}, badQuestion("case study %q of release %s has no steps, so no chain to analyse", id, a.Version())
	}
	return analysis.Chain{}, a.notFound("case study", id)
}

// resolve turns an id or an exact name (case ignored) of a case study,
// tactic, technique or mitigation into its id, so that every face accepts
// names where it accepts ids; an unknown one is returned as it is, for the
// caller's not-found error.
func (a *AnalysisRelease) resolve(idOrName string) string {
	if a.Name(idOrName) != "" {
		return idOrName
	}
	var found []string
	match := func(id, name string) {
		if strings.EqualFold(name, idOrName) {
			found = append(found, id)
		}
	}
	for _, c := range a.Release.CaseStudies {
		match(c.ID, c.Name)
	}
	for _, t := range a.Release.Tactics {
		match(t.ID, t.Name)
	}
	for _, t := range a.Release.Techniques {
		match(t.ID, t.Name)
	}
	for _, m := range a.Release.Mitigations {
		match(m.ID, m.Name)
	}
	if len(found) == 1 {
		return found[0]
	}
	return idOrName
}

func (a *AnalysisRelease) resolveAll(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = a.resolve(x)
	}
	return out
}

func (a *AnalysisRelease) checkMitigations(ids ...[]string) error {
	for _, list := range ids {
		for _, id := range list {
			if !a.Input.HasMitigation(id) {
				return a.notFound("mitigation", id)
			}
		}
	}
	return nil
}

// Endpoint expands a path end: a tactic to its techniques, a technique to
// itself. what names the argument in errors.
func (a *AnalysisRelease) Endpoint(what, id string) ([]string, error) {
	id = a.resolve(id)
	ids, ok := a.Input.Endpoints(id)
	if !ok {
		return nil, a.notFound("tactic or technique", id)
	}
	if len(ids) == 0 {
		return nil, badQuestion("%s: tactic %s has no techniques in release %s", what, id, a.Version())
	}
	return ids, nil
}

// ChainQuestion asks which mitigations break one chain: a case study's, or
// one made of techniques in order.
type ChainQuestion struct {
	Release           string
	CaseStudy         string
	Techniques        []string
	InheritFromParent bool
	// PreventOnly counts a mitigation as covering a technique only under
	// the threat-model rule (docs/threatmodel.md): a prevent link of a
	// mitigation acting on the system, at a step on the defender's side.
	// Off, the release's links count literally, as ATLAS states them.
	PreventOnly bool
}

// ChainAnswer is the answer to a [ChainQuestion].
type ChainAnswer struct {
	Release *AnalysisRelease
	Chain   analysis.Chain
	Report  analysis.ChainReport
	// Evidence are the case studies behind the chain: the case study asked
	// about, or those that show a hop of the techniques given.
	Evidence []string
	// HopEvidence, for a chain of techniques, holds per hop the case
	// studies that show it (nil for a case study's chain).
	HopEvidence [][]string
}

// Chain answers a [ChainQuestion].
func (s *Service) Chain(ctx context.Context, q ChainQuestion) (_ *ChainAnswer, err error) {
	defer wrap(&err)
	if (q.CaseStudy == "") == (len(q.Techniques) == 0) {
		return nil, badQuestion("give either a case study or techniques, not both")
	}
	a, err := s.Analysis(ctx, q.Release)
	if err != nil {
		return nil, err
	}
	q.CaseStudy, q.Techniques = a.resolve(q.CaseStudy), a.resolveAll(q.Techniques)
	ans := &ChainAnswer{Release: a, Evidence: []string{}}
	if q.CaseStudy != "" {
		ch, err := a.chain(q.CaseStudy)
		if err != nil {
			return nil, err
		}
		ans.Chain, ans.Evidence = ch, []string{q.CaseStudy}
	} else {
		for _, t := range q.Techniques {
			if !a.Input.HasTechnique(t) {
				return nil, a.notFound("technique", t)
			}
		}
		ans.Chain = analysis.ChainFromTechniques(q.Techniques)
		var all []string
		for i := 1; i < len(q.Techniques); i++ {
			cases := a.transitionCases(q.Techniques[i-1], q.Techniques[i])
			ans.HopEvidence = append(ans.HopEvidence, cases)
			all = append(all, cases...)
		}
		slices.Sort(all)
		ans.Evidence = append(ans.Evidence, slices.Compact(all)...)
	}
	if ans.Report, err = analysis.ChainMitigations(ctx, ans.Chain, a.input(q.PreventOnly).Knowledge, analysis.Options{InheritFromParent: q.InheritFromParent}); err != nil {
		return nil, analysisErr(err)
	}
	return ans, nil
}

// transitionCases returns the case studies showing from -> to, sorted.
func (a *AnalysisRelease) transitionCases(from, to string) []string {
	tr := a.Input.Transitions
	i, ok := slices.BinarySearchFunc(tr, [2]string{from, to}, func(t analysis.Transition, k [2]string) int {
		if c := strings.Compare(t.From, k[0]); c != 0 {
			return c
		}
		return strings.Compare(t.To, k[1])
	})
	if !ok {
		return []string{}
	}
	out := slices.Clone(tr[i].CaseStudies)
	slices.Sort(out)
	return slices.Compact(out)
}

// SetQuestion asks for the least-cost set of mitigations breaking chains.
type SetQuestion struct {
	Release string
	// CaseStudies in scope; none means every case study with steps.
	CaseStudies []string
	// Costs by mitigation id; unlisted mitigations cost 1.
	Costs             map[string]float64
	Require, Exclude  []string
	Alternatives      int
	Budget            int // 1 to MaxBudget; DefaultBudget when a face's user does not say
	InheritFromParent bool
	// PreventOnly counts a mitigation as covering a technique only under
	// the threat-model rule (docs/threatmodel.md): a prevent link of a
	// mitigation acting on the system, at a step on the defender's side.
	// Off, the release's links count literally, as ATLAS states them.
	PreventOnly bool
	// TimeLimit stops the search after that long (0: only ctx stops it);
	// the answer is then the best set found, with its proven bound.
	TimeLimit time.Duration
	// Progress, when not nil, hears how a long search goes (see
	// analysis.SetRequest.Progress).
	Progress func(analysis.SetProgress)
}

// SetProgress is how a long minimal-set search goes: the best set found so
// far, the proven bound, the gap, the nodes visited, the time spent.
type SetProgress = analysis.SetProgress

// SetAnswer is the answer to a [SetQuestion].
type SetAnswer struct {
	Release *AnalysisRelease
	Result  analysis.SetResult
	// Evidence are the case studies in scope, sorted.
	Evidence []string
}

// Check checks what needs no release: the budget and the alternatives.
func (q SetQuestion) Check() error {
	if q.Budget < 1 || q.Budget > MaxBudget {
		return badQuestion("budget must be between 1 and %d search nodes, got %d", MaxBudget, q.Budget)
	}
	if q.Alternatives < 0 || q.Alternatives > analysis.MaxAlternatives {
		return badQuestion("alternatives must be between 0 and %d, got %d", analysis.MaxAlternatives, q.Alternatives)
	}
	return nil
}

// MinimalSet answers a [SetQuestion].
func (s *Service) MinimalSet(ctx context.Context, q SetQuestion) (_ *SetAnswer, err error) {
	defer wrap(&err)
	if err := q.Check(); err != nil {
		return nil, err
	}
	budget := q.Budget
	a, err := s.Analysis(ctx, q.Release)
	if err != nil {
		return nil, err
	}
	q.CaseStudies, q.Require, q.Exclude = a.resolveAll(q.CaseStudies), a.resolveAll(q.Require), a.resolveAll(q.Exclude)
	chains := a.Input.Chains
	if len(q.CaseStudies) > 0 {
		ids := slices.Clone(q.CaseStudies)
		slices.Sort(ids)
		chains = nil
		for _, id := range slices.Compact(ids) {
			ch, err := a.chain(id)
			if err != nil {
				return nil, err
			}
			chains = append(chains, ch)
		}
	}
	costIDs := make([]string, 0, len(q.Costs))
	for id := range q.Costs {
		costIDs = append(costIDs, id)
	}
	slices.Sort(costIDs)
	if err := a.checkMitigations(costIDs, q.Require, q.Exclude); err != nil {
		return nil, err
	}
	res, err := analysis.MinimalMitigationSet(ctx, chains, a.input(q.PreventOnly).Knowledge, analysis.Options{InheritFromParent: q.InheritFromParent},
		analysis.SetRequest{Costs: q.Costs, Require: q.Require, Exclude: q.Exclude, Alternatives: q.Alternatives, Budget: budget,
			TimeLimit: q.TimeLimit, Progress: q.Progress})
	if err != nil {
		return nil, analysisErr(err)
	}
	ans := &SetAnswer{Release: a, Result: res, Evidence: []string{}}
	for _, ch := range chains {
		ans.Evidence = append(ans.Evidence, ch.ID)
	}
	return ans, nil
}

// PathQuestion asks for the best-evidenced attack paths between two ends,
// each a tactic (any of its techniques) or a technique.
type PathQuestion struct {
	Release            string
	From, To           string
	MaxHops, Limit     int
	MinSupport         int
	ExcludeMitigatedBy []string
	InheritFromParent  bool
	// PreventOnly counts a mitigation as covering a technique only under
	// the threat-model rule (docs/threatmodel.md): a prevent link of a
	// mitigation acting on the system, at a step on the defender's side.
	// Off, the release's links count literally, as ATLAS states them.
	PreventOnly bool
}

// PathAnswer is the answer to a [PathQuestion].
type PathAnswer struct {
	Release *AnalysisRelease
	// FromID and ToID are the ends asked for, as ids (a name given is
	// resolved); From and To the techniques they expand to.
	FromID, ToID string
	From, To     []string
	Result       analysis.PathResult
	// Evidence are the case studies behind some hop of a returned path.
	Evidence []string
}

// AttackPaths answers a [PathQuestion].
func (s *Service) AttackPaths(ctx context.Context, q PathQuestion) (_ *PathAnswer, err error) {
	defer wrap(&err)
	if err := q.Check(); err != nil {
		return nil, err
	}
	a, err := s.Analysis(ctx, q.Release)
	if err != nil {
		return nil, err
	}
	return s.attackPaths(ctx, a, q)
}

// Check checks what needs no release: hops, limit and support.
func (q PathQuestion) Check() error {
	switch {
	case q.MaxHops < 1 || q.MaxHops > analysis.MaxPathHops:
		return badQuestion("max hops must be between 1 and %d, got %d", analysis.MaxPathHops, q.MaxHops)
	case q.Limit < 1 || q.Limit > analysis.MaxPathLimit:
		return badQuestion("limit must be between 1 and %d, got %d", analysis.MaxPathLimit, q.Limit)
	case q.MinSupport < 1:
		return badQuestion("min support must be at least 1, got %d", q.MinSupport)
	}
	return nil
}

func (s *Service) attackPaths(ctx context.Context, a *AnalysisRelease, q PathQuestion) (*PathAnswer, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	var err error
	q.From, q.To, q.ExcludeMitigatedBy = a.resolve(q.From), a.resolve(q.To), a.resolveAll(q.ExcludeMitigatedBy)
	ans := &PathAnswer{Release: a, FromID: q.From, ToID: q.To, Evidence: []string{}}
	if ans.From, err = a.Endpoint("from", q.From); err != nil {
		return nil, err
	}
	if ans.To, err = a.Endpoint("to", q.To); err != nil {
		return nil, err
	}
	if err := a.checkMitigations(q.ExcludeMitigatedBy); err != nil {
		return nil, err
	}
	// The release's path index is built once and shared by every question.
	ans.Result, err = a.input(q.PreventOnly).AttackPaths(ctx, analysis.PathQuery{From: ans.From, To: ans.To, MaxHops: q.MaxHops, Limit: q.Limit,
		MinSupport: q.MinSupport, ExcludeMitigatedBy: q.ExcludeMitigatedBy}, analysis.Options{InheritFromParent: q.InheritFromParent})
	if err != nil {
		return nil, analysisErr(err)
	}
	var all []string
	for _, p := range ans.Result.Paths {
		for _, h := range p.Hops {
			all = append(all, h.CaseStudies...)
		}
	}
	slices.Sort(all)
	ans.Evidence = append(ans.Evidence, slices.Compact(all)...)
	return ans, nil
}

// ChokeQuestion asks which techniques and mitigations sit on the most
// case studies and attack paths.
type ChokeQuestion struct {
	Release string
	// Limit caps each list: 1 to MaxChokeLimit.
	Limit int
	// Paths is how many attack paths to count besides the case studies, 0
	// to analysis.MaxPathLimit; 0 counts case studies only.
	Paths int
	// MaxHops is the most hops of a counted path; 0 means ChokePathHops.
	MaxHops int
	// From and To are the ends of the counted paths; "" means the first
	// and the last tactic of the matrix.
	From, To          string
	InheritFromParent bool
	// PreventOnly counts a mitigation as covering a technique only under
	// the threat-model rule (docs/threatmodel.md): a prevent link of a
	// mitigation acting on the system, at a step on the defender's side.
	// Off, the release's links count literally, as ATLAS states them.
	PreventOnly bool
}

// ChokeAnswer is the answer to a [ChokeQuestion].
type ChokeAnswer struct {
	Release *AnalysisRelease
	// Paths is the path question answered to count paths; nil when none
	// were asked for.
	Paths  *PathAnswer
	Report analysis.ChokePointReport
}

// Check checks what needs no release: the limit and the paths counted.
func (q ChokeQuestion) Check() error {
	if q.Limit < 1 || q.Limit > MaxChokeLimit {
		return badQuestion("limit must be between 1 and %d, got %d", MaxChokeLimit, q.Limit)
	}
	if q.Paths < 0 || q.Paths > analysis.MaxPathLimit {
		return badQuestion("paths must be between 0 and %d, got %d", analysis.MaxPathLimit, q.Paths)
	}
	if q.MaxHops < 0 || q.MaxHops > analysis.MaxPathHops {
		return badQuestion("max hops must be between 1 and %d, got %d", analysis.MaxPathHops, q.MaxHops)
	}
	return nil
}

// ChokePoints answers a [ChokeQuestion].
func (s *Service) ChokePoints(ctx context.Context, q ChokeQuestion) (_ *ChokeAnswer, err error) {
	defer wrap(&err)
	if err := q.Check(); err != nil {
		return nil, err
	}
	a, err := s.Analysis(ctx, q.Release)
	if err != nil {
		return nil, err
	}
	opts := analysis.Options{InheritFromParent: q.InheritFromParent}
	ans := &ChokeAnswer{Release: a}
	var paths []analysis.Path
	if q.Paths > 0 && len(a.Release.Tactics) > 0 {
		pq := PathQuestion{Release: a.Version(), From: q.From, To: q.To, MaxHops: q.MaxHops, Limit: q.Paths, MinSupport: 1, InheritFromParent: q.InheritFromParent, PreventOnly: q.PreventOnly}
		if pq.From == "" {
			pq.From = a.Release.Tactics[0].ID
		}
		if pq.To == "" {
			pq.To = a.Release.Tactics[len(a.Release.Tactics)-1].ID
		}
		if pq.MaxHops == 0 {
			pq.MaxHops = ChokePathHops
		}
		if ans.Paths, err = s.attackPaths(ctx, a, pq); err != nil {
			return nil, err
		}
		paths = ans.Paths.Result.Paths
	}
	if ans.Report, err = analysis.ChokePoints(ctx, a.Input.Chains, paths, a.input(q.PreventOnly).Knowledge, opts, q.Limit); err != nil {
		return nil, analysisErr(err)
	}
	return ans, nil
}

// GapsAnswer is the answer to a coverage-gap question.
type GapsAnswer struct {
	Release *AnalysisRelease
	// Gaps are the techniques no mitigation covers, ranked (see
	// analysis.CoverageGaps), at most the question's limit of them.
	Gaps []analysis.TechniqueInfo
	// Total is the number of gaps before the limit; Techniques the number
	// of techniques of the release.
	Total, Techniques int
}

// GapsQuestion asks which techniques no mitigation covers.
type GapsQuestion struct {
	Release string
	// Limit caps the list; 0 lists every gap.
	Limit             int
	InheritFromParent bool
	// PreventOnly counts a mitigation as covering a technique only under
	// the threat-model rule (docs/threatmodel.md): a prevent link of a
	// mitigation acting on the system, at a step on the defender's side.
	// Off, the release's links count literally, as ATLAS states them.
	PreventOnly bool
}

// CoverageGaps answers a [GapsQuestion]: the techniques of a release no
// mitigation covers, ranked by how many case studies use them.
func (s *Service) CoverageGaps(ctx context.Context, q GapsQuestion) (_ *GapsAnswer, err error) {
	defer wrap(&err)
	if q.Limit < 0 {
		return nil, badQuestion("limit must be 0 (every gap) or more, got %d", q.Limit)
	}
	a, err := s.Analysis(ctx, q.Release)
	if err != nil {
		return nil, err
	}
	gaps, err := analysis.CoverageGaps(ctx, a.Input.Techniques, a.input(q.PreventOnly).Knowledge, analysis.Options{InheritFromParent: q.InheritFromParent})
	if err != nil {
		return nil, analysisErr(err)
	}
	total := len(gaps)
	if q.Limit > 0 && len(gaps) > q.Limit {
		gaps = gaps[:q.Limit]
	}
	return &GapsAnswer{Release: a, Gaps: gaps, Total: total, Techniques: len(a.Input.Techniques)}, nil
}

// ReleaseForModel is the release a threat model is evaluated against ("" for
// the current one), with its analysis input, from the held release: it makes
// the service the threat models' release source.
func (s *Service) ReleaseForModel(ctx context.Context, version string) (_ *atlas.Release, _ *analysis.Input, err error) {
	defer wrap(&err)
	a, err := s.Analysis(ctx, version)
	if err != nil {
		return nil, nil, fail(err)
	}
	return a.Release, a.Input, nil
}

// Pin returns a context under which every question of one request sees the
// same catalogue of releases (see readmodel.Model.Pin), with a request cache
// of the actor directory. Servers pin each request.
func (s *Service) Pin(ctx context.Context) context.Context {
	return s.model.Pin(actors.WithRequestCache(ctx))
}
