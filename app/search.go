package app

import (
	"context"

	"github.com/atlasgraph/atlasgraph/view"
)

// MaxSearchResults is the most hits one search returns.
const MaxSearchResults = 100

// SearchResult is the answer to a full-text search.
type SearchResult struct {
	Release string      `json:"release"`
	Text    string      `json:"text"`
	Hits    []SearchHit `json:"hits"`
}

// SearchHit is one object a search found, best first: its kind (as
// GraphQL spells it: TACTIC, TECHNIQUE, MITIGATION, CASE_STUDY, ACTOR), id,
// name and score, and the object itself for the faces that show more.
type SearchHit struct {
	Kind  view.Kind `json:"kind"`
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	Score float64   `json:"score"`
	// Effect is a mitigation's curated effect (prevent, detect, respond,
	// unclassified); "" for other kinds.
	Effect string `json:"effect,omitempty"`
	// Hit is the object found, with its relationships.
	Hit view.SearchHit `json:"-"`
}

// Search finds the objects of a release ("" for the current one) whose
// names or descriptions match text (see store.ParseSearch for the syntax),
// at most limit (1 to MaxSearchResults) of them. The index gives the ids;
// the objects are the held release's. Actors named exactly by an alias (an
// ATT&CK group's, say) come first. A service without a database searches
// the release in memory (searchMemory): the same syntax and fields, ATLAS's
// own actors only.
func (s *Service) Search(ctx context.Context, release, text string, limit int) (_ *SearchResult, err error) {
	defer wrap(&err)
	if limit < 1 || limit > MaxSearchResults {
		return nil, errorf(BadInput, "ask for 1 to %d results, not %d", MaxSearchResults, limit)
	}
	rel, err := s.model.Release(ctx, release)
	if err != nil {
		return nil, fail(err)
	}
	var hits []view.SearchHit
	if s.db("search") != nil {
		// No database: the release in memory, searched the same way.
		if hits, err = searchMemory(rel, text, limit); err != nil {
			return nil, fail(err)
		}
	} else {
		_, found, err := s.reader.Search(ctx, rel.Version(), text, limit)
		if err != nil {
			return nil, fail(err)
		}
		hits = make([]view.SearchHit, 0, len(found))
		for _, h := range found {
			if x, ok := hitOf(rel, h.Kind, h.ID, h.Score); ok {
				hits = append(hits, x)
			}
		}
		if hits, err = s.actors.RankSearch(ctx, rel.Version(), text, hits, limit); err != nil {
			return nil, fail(err)
		}
	}
	hits = s.byWhatTheyDo(rel, text, hits, limit)
	eff := effectsOf(s.sem, rel.Atlas)
	out := &SearchResult{Release: rel.Version(), Text: text, Hits: make([]SearchHit, 0, len(hits))}
	for _, h := range hits {
		x := SearchHit{Kind: h.Kind, ID: h.ID, Name: h.Name, Score: h.Score, Hit: h}
		if h.Kind == view.KindMitigation {
			x.Effect = eff.Mitigation(h.ID)
		}
		out.Hits = append(out.Hits, x)
	}
	return out, nil
}

// hitOf is the held object an index hit names.
func hitOf(rel *view.Release, kind view.Kind, id string, score float64) (view.SearchHit, bool) {
	h := view.SearchHit{Kind: kind, ID: id, Score: score}
	switch kind {
	case view.KindTactic:
		h.Tactic = rel.TacticOrNil(id)
		if h.Tactic != nil {
			h.Name = h.Tactic.Name
		}
		return h, h.Tactic != nil
	case view.KindTechnique:
		h.Technique = rel.TechniqueOrNil(id)
		if h.Technique != nil {
			h.Name = h.Technique.Name
		}
		return h, h.Technique != nil
	case view.KindMitigation:
		h.Mitigation = rel.MitigationOrNil(id)
		if h.Mitigation != nil {
			h.Name = h.Mitigation.Name
		}
		return h, h.Mitigation != nil
	case view.KindCaseStudy:
		h.CaseStudy = rel.CaseStudyOrNil(id)
		if h.CaseStudy != nil {
			h.Name = h.CaseStudy.Name
		}
		return h, h.CaseStudy != nil
	case view.KindActor:
		a, err := rel.Actor(id)
		if err != nil {
			return h, false
		}
		h.Actor, h.Name = &a, a.Name
		return h, true
	}
	return h, false
}

// byWhatTheyDo adds the mitigations whose curated terms say they do what
// text names ("input filtering" finds Generative AI Guardrails), first,
// when the full-text index did not find them; at most limit hits in all.
func (s *Service) byWhatTheyDo(rel *view.Release, text string, hits []view.SearchHit, limit int) []view.SearchHit {
	if s.sem == nil {
		return hits
	}
	found := map[string]bool{}
	for _, h := range hits {
		if h.Kind == view.KindMitigation {
			found[h.ID] = true
		}
	}
	best := 0.0
	for _, h := range hits {
		best = max(best, h.Score)
	}
	var add []view.SearchHit
	for _, id := range s.sem.FindMitigations(text) {
		if found[id] {
			continue
		}
		if h, ok := hitOf(rel, view.KindMitigation, id, best); ok {
			add = append(add, h)
		}
	}
	out := append(add, hits...)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
