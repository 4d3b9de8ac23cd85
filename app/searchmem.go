package app

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/view"
)

// searchMemory answers a search over the release held in memory, for a
// service without a database (`atlasgraph search --atlas FILE`): the same
// syntax as the full-text index (store.ParseSearch) over the same fields
// (names and descriptions; an actor's name and aliases), every required
// clause matched and no excluded one. It scores more simply than Lucene: a
// clause matched in a name counts more than one matched only in a
// description, and more in a short name than in a long one, weighted by how
// rare its words are in the release.
func searchMemory(rel *view.Release, text string, limit int) ([]view.SearchHit, error) {
	clauses, err := store.ParseSearch(text)
	if err != nil {
		return nil, err
	}
	type doc struct {
		kind       view.Kind
		id         string
		name, desc []string
	}
	var docs []doc
	a := rel.Atlas
	for _, t := range a.Tactics {
		docs = append(docs, doc{view.KindTactic, t.ID, tokens(t.Name), tokens(t.Description)})
	}
	for _, t := range a.Techniques {
		docs = append(docs, doc{view.KindTechnique, t.ID, tokens(t.Name), tokens(t.Description)})
	}
	for _, m := range a.Mitigations {
		docs = append(docs, doc{view.KindMitigation, m.ID, tokens(m.Name), tokens(m.Description)})
	}
	for _, c := range a.CaseStudies {
		docs = append(docs, doc{view.KindCaseStudy, c.ID, tokens(c.Name), tokens(c.Description)})
	}
	for _, x := range a.Actors {
		docs = append(docs, doc{view.KindActor, x.ID, tokens(x.Name), tokens(strings.Join(x.Aliases, " "))})
	}
	// Each clause's words as the index would read them: "model-theft" is
	// the phrase "model theft".
	words := make([][]string, len(clauses))
	for i, c := range clauses {
		words[i] = tokens(strings.Join(c.Words, " "))
	}
	df := make([]int, len(clauses))
	for _, d := range docs {
		for i := range clauses {
			if len(words[i]) > 0 && (holds(d.name, words[i], clauses[i].Prefix) || holds(d.desc, words[i], clauses[i].Prefix)) {
				df[i]++
			}
		}
	}
	var hits []view.SearchHit
	for _, d := range docs {
		score, ok := 0.0, true
		for i, c := range clauses {
			if len(words[i]) == 0 {
				continue // punctuation only inside a word: nothing to look for
			}
			inName, inDesc := holds(d.name, words[i], c.Prefix), holds(d.desc, words[i], c.Prefix)
			if c.Exclude {
				if inName || inDesc {
					ok = false
					break
				}
				continue
			}
			if !inName && !inDesc {
				ok = false
				break
			}
			w := math.Log(1 + float64(len(docs))/float64(max(1, df[i])))
			if inName {
				score += 3 * w / math.Sqrt(float64(len(d.name))) // shorter names match more precisely
			} else {
				score += w / 2
			}
		}
		if !ok || score == 0 {
			continue
		}
		if h, found := hitOf(rel, d.kind, d.id, score); found {
			hits = append(hits, h)
		}
	}
	slices.SortStableFunc(hits, func(x, y view.SearchHit) int {
		if c := cmp.Compare(y.Score, x.Score); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

// tokens splits text into lower-cased runs of letters and digits, as the
// full-text index's analyzer does.
func tokens(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// holds reports whether toks hold words in a row (the last one as a prefix
// when prefix is set).
func holds(toks, words []string, prefix bool) bool {
	for i := 0; i+len(words) <= len(toks); i++ {
		all := true
		for j, w := range words {
			t := toks[i+j]
			if t != w && !(prefix && j == len(words)-1 && strings.HasPrefix(t, w)) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}
