package app

import (
	"context"
	"fmt"

	"github.com/atlasgraph/atlasgraph/store"
)

// MaxSearchResults is the most hits one search returns.
const MaxSearchResults = 100

// SearchResult is the answer to a full-text search.
type SearchResult struct {
	Release string      `json:"release"`
	Text    string      `json:"text"`
	Hits    []SearchHit `json:"hits"`
}

// SearchHit is one object a search found, best first.
type SearchHit struct {
	Kind  string  `json:"kind"`
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

var searchKinds = map[store.Kind]string{
	store.KindTactic: KindTactic, store.KindTechnique: KindTechnique, store.KindMitigation: KindMitigation,
	store.KindCaseStudy: KindCaseStudy, store.KindActor: KindActor,
}

// Search finds the objects of a release ("" for the current one) whose
// names or descriptions match text (see store.LuceneQuery for the syntax),
// at most limit (1 to MaxSearchResults) of them.
func (s *Service) Search(ctx context.Context, release, text string, limit int) (*SearchResult, error) {
	if limit < 1 || limit > MaxSearchResults {
		return nil, fmt.Errorf("%w: ask for 1 to %d results, not %d", store.ErrBadInput, MaxSearchResults, limit)
	}
	rel, err := s.model.ResolveRelease(ctx, release)
	if err != nil {
		return nil, err
	}
	hits, err := s.reader.Search(ctx, rel, text, limit)
	if err != nil {
		return nil, err
	}
	// Actors named exactly by an alias come first, as in every face.
	if hits, err = s.actors.RankSearch(ctx, rel, text, hits, limit); err != nil {
		return nil, err
	}
	out := &SearchResult{Release: rel, Text: text, Hits: make([]SearchHit, 0, len(hits))}
	for _, h := range hits {
		out.Hits = append(out.Hits, SearchHit{Kind: searchKinds[h.Kind], ID: h.ID, Name: h.Name, Score: h.Score})
	}
	return out, nil
}
