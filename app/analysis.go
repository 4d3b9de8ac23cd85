package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/store"
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
// its input. Unknown ids are *store.NotFoundError instead. It also matches
// store.ErrBadInput, so the API presents it as BAD_INPUT.
var ErrBadQuestion = fmt.Errorf("bad question: %w", store.ErrBadInput)

func badQuestion(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadQuestion, fmt.Sprintf(format, args...))
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
	// Techniques, Tactics and Mitigations are every object of those kinds
	// in the release, by id.
	Techniques  map[string]store.Technique
	Tactics     map[string]store.Tactic
	Mitigations map[string]store.Mitigation
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
	mu      sync.Mutex
	entries map[string]*AnalysisRelease
	order   []string // oldest first
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
func (s *Service) Analysis(ctx context.Context, release string) (*AnalysisRelease, error) {
	info, err := s.model.Info(ctx, release)
	if err != nil {
		return nil, err
	}
	if a := s.analysis.get(info.Version + "@" + info.SHA256); a != nil {
		return a, nil
	}
	rel, err := s.reader.AnalysisView(ctx, info.Version)
	if err != nil {
		return nil, err
	}
	a := &AnalysisRelease{Release: rel, Input: analysis.FromRelease(rel)}
	ids := func(n int, id func(int) string) []string {
		out := make([]string, n)
		for i := range n {
			out[i] = id(i)
		}
		return out
	}
	if a.Techniques, err = s.model.TechniquesByID(ctx, rel.Version, ids(len(rel.Techniques), func(i int) string { return rel.Techniques[i].ID })); err != nil {
		return nil, err
	}
	if a.Tactics, err = s.model.TacticsByID(ctx, rel.Version, ids(len(rel.Tactics), func(i int) string { return rel.Tactics[i].ID })); err != nil {
		return nil, err
	}
	if a.Mitigations, err = s.model.MitigationsByID(ctx, rel.Version, ids(len(rel.Mitigations), func(i int) string { return rel.Mitigations[i].ID })); err != nil {
		return nil, err
	}
	s.analysis.put(rel.Version+"@"+rel.SHA256, a)
	return a, nil
}

func (a *AnalysisRelease) notFound(kind, id string) error {
	return &store.NotFoundError{Kind: kind, ID: id, Release: a.Version()}
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
func (s *Service) Chain(ctx context.Context, q ChainQuestion) (*ChainAnswer, error) {
	if (q.CaseStudy == "") == (len(q.Techniques) == 0) {
		return nil, badQuestion("give either a case study or techniques, not both")
	}
	a, err := s.Analysis(ctx, q.Release)
	if err != nil {
		return nil, err
	}
	ans := &ChainAnswer{Release: a, Evidence: []string{}}
	if q.CaseStudy != "" {
		ch, ok := a.Input.Chain(q.CaseStudy)
		if !ok {
			return nil, a.notFound("case study", q.CaseStudy)
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
	if ans.Report, err = analysis.ChainMitigations(ctx, ans.Chain, a.Input.Knowledge, analysis.Options{InheritFromParent: q.InheritFromParent}); err != nil {
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
	Budget            int // 0: analysis.DefaultBudget; at most MaxBudget
	InheritFromParent bool
	// TimeLimit stops the search after that long (0: only ctx stops it);
	// the answer is then the best set found, with its proven bound.
	TimeLimit time.Duration
	// Progress, when not nil, hears how a long search goes (see
	// analysis.SetRequest.Progress).
	Progress func(analysis.SetProgress)
}

// SetAnswer is the answer to a [SetQuestion].
type SetAnswer struct {
	Release *AnalysisRelease
	Result  analysis.SetResult
	// Evidence are the case studies in scope, sorted.
	Evidence []string
}

// MinimalSet answers a [SetQuestion].
func (s *Service) MinimalSet(ctx context.Context, q SetQuestion) (*SetAnswer, error) {
	budget := q.Budget
	if budget == 0 {
		budget = analysis.DefaultBudget
	}
	if budget < 1 || budget > MaxBudget {
		return nil, badQuestion("budget must be between 1 and %d search nodes, got %d", MaxBudget, budget)
	}
	if q.Alternatives < 0 || q.Alternatives > analysis.MaxAlternatives {
		return nil, badQuestion("alternatives must be between 0 and %d, got %d", analysis.MaxAlternatives, q.Alternatives)
	}
	a, err := s.Analysis(ctx, q.Release)
	if err != nil {
		return nil, err
	}
	chains := a.Input.Chains
	if len(q.CaseStudies) > 0 {
		ids := slices.Clone(q.CaseStudies)
		slices.Sort(ids)
		chains = nil
		for _, id := range slices.Compact(ids) {
			ch, ok := a.Input.Chain(id)
			if !ok {
				return nil, a.notFound("case study", id)
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
	res, err := analysis.MinimalMitigationSet(ctx, chains, a.Input.Knowledge, analysis.Options{InheritFromParent: q.InheritFromParent},
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
}

// PathAnswer is the answer to a [PathQuestion].
type PathAnswer struct {
	Release  *AnalysisRelease
	From, To []string // the techniques the ends expand to
	Result   analysis.PathResult
	// Evidence are the case studies behind some hop of a returned path.
	Evidence []string
}

// AttackPaths answers a [PathQuestion].
func (s *Service) AttackPaths(ctx context.Context, q PathQuestion) (*PathAnswer, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	a, err := s.Analysis(ctx, q.Release)
	if err != nil {
		return nil, err
	}
	return s.attackPaths(ctx, a, q)
}

func (q PathQuestion) check() error {
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
	if err := q.check(); err != nil {
		return nil, err
	}
	var err error
	ans := &PathAnswer{Release: a, Evidence: []string{}}
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
	ans.Result, err = a.Input.AttackPaths(ctx, analysis.PathQuery{From: ans.From, To: ans.To, MaxHops: q.MaxHops, Limit: q.Limit,
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
	// Limit caps each list; 0 means no cap.
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
}

// ChokeAnswer is the answer to a [ChokeQuestion].
type ChokeAnswer struct {
	Release *AnalysisRelease
	// Paths is the path question answered to count paths; nil when none
	// were asked for.
	Paths  *PathAnswer
	Report analysis.ChokePointReport
}

// ChokePoints answers a [ChokeQuestion].
func (s *Service) ChokePoints(ctx context.Context, q ChokeQuestion) (*ChokeAnswer, error) {
	if q.Limit < 0 {
		return nil, badQuestion("limit must be 0 (no cap) or more, got %d", q.Limit)
	}
	if q.Paths < 0 || q.Paths > analysis.MaxPathLimit {
		return nil, badQuestion("paths must be between 0 and %d, got %d", analysis.MaxPathLimit, q.Paths)
	}
	a, err := s.Analysis(ctx, q.Release)
	if err != nil {
		return nil, err
	}
	opts := analysis.Options{InheritFromParent: q.InheritFromParent}
	ans := &ChokeAnswer{Release: a}
	var paths []analysis.Path
	if q.Paths > 0 && len(a.Release.Tactics) > 0 {
		pq := PathQuestion{Release: a.Version(), From: q.From, To: q.To, MaxHops: q.MaxHops, Limit: q.Paths, MinSupport: 1, InheritFromParent: q.InheritFromParent}
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
	if ans.Report, err = analysis.ChokePoints(ctx, a.Input.Chains, paths, a.Input.Knowledge, opts, q.Limit); err != nil {
		return nil, analysisErr(err)
	}
	return ans, nil
}

// GapsAnswer is the answer to a coverage-gap question.
type GapsAnswer struct {
	Release *AnalysisRelease
	// Gaps are the techniques no mitigation covers, ranked (see
	// analysis.CoverageGaps).
	Gaps []analysis.TechniqueInfo
}

// CoverageGaps lists the techniques of a release no mitigation covers.
func (s *Service) CoverageGaps(ctx context.Context, release string, inheritFromParent bool) (*GapsAnswer, error) {
	a, err := s.Analysis(ctx, release)
	if err != nil {
		return nil, err
	}
	gaps, err := analysis.CoverageGaps(ctx, a.Input.Techniques, a.Input.Knowledge, analysis.Options{InheritFromParent: inheritFromParent})
	if err != nil {
		return nil, analysisErr(err)
	}
	return &GapsAnswer{Release: a, Gaps: gaps}, nil
}
