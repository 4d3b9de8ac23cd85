package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// MaxSearchLength is the longest search text accepted, in characters.
const MaxSearchLength = 200

// luceneSpecial are the characters Lucene's classic query parser gives a
// meaning to; LuceneQuery escapes every one of them in user words.
const luceneSpecial = `+-&|!(){}[]^"~*?:\/`

// LuceneQuery turns a user's search text into a Lucene query for the
// atlas_text full-text index, so that no input can change the query's
// shape or make the parser fail. It understands a small, documented
// syntax and takes everything else literally:
//
//   - words separated by spaces, all required;
//   - a word ending in * matches the words starting with it;
//   - a word starting with - excludes the objects containing it;
//   - text in double quotes is a phrase.
//
// It returns an error wrapping ErrBadInput for a text that is too long,
// has an unbalanced quote, or has no word to look for.
func LuceneQuery(text string) (string, error) {
	if n := utf8.RuneCountInString(text); n > MaxSearchLength {
		return "", fmt.Errorf("%w: the search text has %d characters; the limit is %d", ErrBadInput, n, MaxSearchLength)
	}
	if !utf8.ValidString(text) {
		return "", fmt.Errorf("%w: the search text is not valid UTF-8", ErrBadInput)
	}
	if strings.Count(text, `"`)%2 != 0 {
		return "", fmt.Errorf("%w: the search text %q has an unbalanced double quote", ErrBadInput, text)
	}
	var clauses []string
	positive := 0
	for i, part := range strings.Split(text, `"`) {
		if i%2 == 1 { // inside quotes: a phrase
			words := strings.Fields(part)
			if len(words) == 0 {
				continue
			}
			for j, w := range words {
				words[j] = escapeLucene(w)
			}
			clauses = append(clauses, `+"`+strings.Join(words, " ")+`"`)
			positive++
			continue
		}
		for _, w := range strings.Fields(part) {
			prefix := "+"
			if strings.HasPrefix(w, "-") {
				prefix, w = "-", strings.TrimLeft(w, "-")
			}
			wildcard := ""
			if strings.HasSuffix(w, "*") {
				w = strings.TrimRight(w, "*")
				wildcard = "*"
			}
			if strings.Trim(w, luceneSpecial) == "" {
				continue // nothing but punctuation: no word to look for
			}
			clauses = append(clauses, prefix+escapeLucene(w)+wildcard)
			if prefix == "+" {
				positive++
			}
		}
	}
	if positive == 0 {
		return "", fmt.Errorf("%w: the search text %q has no word to look for", ErrBadInput, text)
	}
	return strings.Join(clauses, " "), nil
}

// escapeLucene escapes the special characters of one word, and lower-cases
// it so that AND, OR and NOT are words, not operators (the index's analyzer
// lower-cases everything anyway).
func escapeLucene(w string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(w) {
		if strings.ContainsRune(luceneSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// qSearch finds objects of a release through the full-text index, best
// first. The index spans every release; the filter keeps one.
const qSearch = matchRelease + `CALL (release) {
CALL db.index.fulltext.queryNodes('atlas_text', $search) YIELD node, score
WITH node, score WHERE node.release = release
WITH node, score ORDER BY score DESC, node.id LIMIT $limit
RETURN collect([node, score]) AS hits
}
RETURN release, hits`

// Search runs a full-text search (see LuceneQuery for the syntax) over the
// names and descriptions of a release's objects and returns at most limit
// hits, best first.
func (r *Reader) Search(ctx context.Context, release, text string, limit int) ([]SearchHit, error) {
	q, err := LuceneQuery(text)
	if err != nil {
		return nil, err
	}
	recs, err := r.query(ctx, qSearch, map[string]any{"release": release, "search": q, "limit": limit})
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", text, err)
	}
	if len(recs) == 0 {
		return nil, &NotFoundError{Kind: "release", ID: release}
	}
	rel := recString(recs[0], "release")
	v, _ := recs[0].Get("hits")
	raw, _ := v.([]any)
	out := make([]SearchHit, 0, len(raw))
	for _, x := range raw {
		pair, _ := x.([]any)
		if len(pair) != 2 {
			continue
		}
		n, _ := pair[0].(dbtype.Node)
		score, _ := pair[1].(float64)
		h := SearchHit{ID: strProp(n, "id"), Name: strProp(n, "name"), Score: score}
		switch {
		case slices.Contains(n.Labels, "Tactic"):
			t := tacticFrom(n, rel)
			h.Kind, h.Tactic = KindTactic, &t
		case slices.Contains(n.Labels, "Technique"):
			t := techniqueFrom(n, rel)
			h.Kind, h.Technique = KindTechnique, &t
		case slices.Contains(n.Labels, "Mitigation"):
			m := mitigationFrom(n, rel)
			h.Kind, h.Mitigation = KindMitigation, &m
		case slices.Contains(n.Labels, "CaseStudy"):
			c := caseStudyFrom(n, rel)
			h.Kind, h.CaseStudy = KindCaseStudy, &c
		case slices.Contains(n.Labels, "Actor"):
			a := actorFrom(n, rel)
			h.Kind, h.Actor = KindActor, &a
		default:
			continue
		}
		out = append(out, h)
	}
	return out, nil
}
