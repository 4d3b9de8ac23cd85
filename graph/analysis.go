package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/graph/model"
	"github.com/atlasgraph/atlasgraph/store"
)

// analysisCacheSize is how many releases' analysis inputs stay in memory.
const analysisCacheSize = 4

// maxBudget bounds the search nodes a request may ask minimalMitigationSet
// for, so one request cannot hold a core for minutes.
const maxBudget = 5_000_000

// analysisCache keeps the analysis input of the releases asked about last.
// A complete release never changes in place, so an entry keyed by version
// and sha256 stays right; a replaced release has another digest and is
// read again. Each request still looks the release up (one query), which is
// how it notices a switch of the current release or a replacement.
type analysisCache struct {
	mu      sync.Mutex
	entries map[string]*analysisEntry
	order   []string // oldest first
}

type analysisEntry struct {
	rel  *atlas.Release
	in   *analysis.Input
	ents *entities // every technique, tactic and mitigation of the release
}

func newAnalysisCache() *analysisCache {
	return &analysisCache{entries: map[string]*analysisEntry{}}
}

// input returns the analysis input of a release ("" for the current one).
func (r *Resolver) analysisInput(ctx context.Context, version *string) (*analysisEntry, error) {
	info, err := r.reader.Release(ctx, versionOf(version))
	if err != nil {
		return nil, err
	}
	key := info.Version + "@" + info.SHA256
	c := r.analysis
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	if e != nil {
		return e, nil
	}
	rel, err := r.reader.AnalysisView(ctx, info.Version)
	if err != nil {
		return nil, err
	}
	e = &analysisEntry{rel: rel, in: analysis.FromRelease(rel)}
	var techs, tactics, mits []string
	for _, t := range rel.Techniques {
		techs = append(techs, t.ID)
	}
	for _, t := range rel.Tactics {
		tactics = append(tactics, t.ID)
	}
	for _, m := range rel.Mitigations {
		mits = append(mits, m.ID)
	}
	if e.ents, err = r.fetchEntities(ctx, rel.Version, techs, tactics, mits); err != nil {
		return nil, err
	}
	key = rel.Version + "@" + rel.SHA256
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok {
		c.entries[key] = e
		c.order = append(c.order, key)
		if len(c.order) > analysisCacheSize {
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
		}
	}
	return e, nil
}

// badInput is an argument error the client can fix.
func badInput(format string, args ...any) error {
	return fmt.Errorf("%w: %s", store.ErrBadInput, fmt.Sprintf(format, args...))
}

// analysisError turns an analysis error (always the caller's input) into
// BAD_INPUT.
func analysisError(err error) error {
	if errors.Is(err, analysis.ErrInvalidInput) {
		return badInput("%s", strings.TrimPrefix(err.Error(), "invalid input: "))
	}
	return err
}

func optBool(b *bool) bool { return b != nil && *b }

func optInt(i *int, d int) int {
	if i == nil {
		return d
	}
	return *i
}

// checkIDs reports the first id that is not a known object of its kind.
func checkIDs(e *analysisEntry, kind string, ids []string, known func(string) bool) error {
	for _, id := range ids {
		if !known(id) {
			return &store.NotFoundError{Kind: kind, ID: id, Release: e.rel.Version}
		}
	}
	return nil
}

// entities holds the technique, tactic and mitigation objects of a release
// that answers name. They are read once per release with its analysis input
// (three queries), so an answer costs no further query.
type entities struct {
	techniques  map[string]store.Technique
	tactics     map[string]store.Tactic
	mitigations map[string]store.Mitigation
}

func (r *Resolver) fetchEntities(ctx context.Context, release string, techniques, tactics, mitigations []string) (*entities, error) {
	out := &entities{}
	var err error
	if len(techniques) > 0 {
		if out.techniques, err = r.reader.TechniquesByID(ctx, release, dedupe(techniques)); err != nil {
			return nil, err
		}
	}
	if len(tactics) > 0 {
		if out.tactics, err = r.reader.TacticsByID(ctx, release, dedupe(tactics)); err != nil {
			return nil, err
		}
	}
	if len(mitigations) > 0 {
		if out.mitigations, err = r.reader.MitigationsByID(ctx, release, dedupe(mitigations)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (e *entities) technique(id string) *store.Technique {
	t, ok := e.techniques[id]
	if !ok {
		return &store.Technique{Entity: store.Entity{ID: id}}
	}
	return &t
}

func (e *entities) tactic(id string) *store.Tactic {
	if id == "" {
		return nil
	}
	t, ok := e.tactics[id]
	if !ok {
		return &store.Tactic{Entity: store.Entity{ID: id}}
	}
	return &t
}

func (e *entities) mitigation(id string) *store.Mitigation {
	m, ok := e.mitigations[id]
	if !ok {
		return &store.Mitigation{Entity: store.Entity{ID: id}}
	}
	return &m
}

// stepsOf maps step ids of a chain to ChainSteps.
func stepsOf(ch analysis.Chain, ents *entities, ids []string) []model.ChainStep {
	byID := make(map[string]analysis.Step, len(ch.Steps))
	for _, s := range ch.Steps {
		byID[s.ID] = s
	}
	out := make([]model.ChainStep, 0, len(ids))
	for _, id := range ids {
		s := byID[id]
		out = append(out, model.ChainStep{StepID: id, Technique: ents.technique(s.Technique), Tactic: ents.tactic(s.Tactic)})
	}
	return out
}

// setResult maps a solver answer.
func setResult(e *analysisEntry, res analysis.SetResult) *model.MinimalMitigationSet {
	ents := e.ents
	members := func(set analysis.MitigationSet) []model.SetMember {
		out := make([]model.SetMember, 0, len(set.Members))
		for _, m := range set.Members {
			out = append(out, model.SetMember{Mitigation: ents.mitigation(m.Mitigation), Cost: m.Cost, Required: m.Required, Chains: nonNil(m.Chains)})
		}
		return out
	}
	out := &model.MinimalMitigationSet{
		Release: e.rel.Version, Optimal: res.Optimal, StoppedBy: stopped(res.Stopped), LowerBound: res.LowerBound, Cost: res.Best.Cost, SearchNodes: res.Nodes,
		Members: members(res.Best), Chains: nonNil(res.InScope), Unbreakable: []model.UnbreakableChain{},
		Mitigations: []store.Mitigation{}, Alternatives: []model.MitigationSetOption{},
	}
	for _, m := range res.Best.Members {
		out.Mitigations = append(out.Mitigations, *ents.mitigation(m.Mitigation))
	}
	for _, alt := range res.Alternatives {
		out.Alternatives = append(out.Alternatives, model.MitigationSetOption{Cost: alt.Cost, Members: members(alt)})
	}
	for _, u := range res.Unbreakable {
		out.Unbreakable = append(out.Unbreakable, model.UnbreakableChain{ID: u.ChainID, UncoveredSteps: nonNil(u.Steps), Route: nonNil(u.Route)})
	}
	return out
}

// stopped maps why a search stopped early; nil when it finished.
func stopped(r analysis.StopReason) *string {
	if r == "" {
		return nil
	}
	s := string(r)
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// endpoints expands a path end: a tactic to its techniques, a technique to
// itself.
func endpoints(e *analysisEntry, arg, id string) ([]string, error) {
	ids, ok := e.in.Endpoints(id)
	if !ok {
		return nil, &store.NotFoundError{Kind: "tactic or technique", ID: id, Release: e.rel.Version}
	}
	if len(ids) == 0 {
		return nil, badInput("%s: tactic %s has no techniques in release %s", arg, id, e.rel.Version)
	}
	return ids, nil
}
