package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/view"
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
// It returns an error wrapping atlas.ErrBadInput for a text that is too long,
// has an unbalanced quote, or has no word to look for.
func LuceneQuery(text string) (string, error) {
	if n := utf8.RuneCountInString(text); n > MaxSearchLength {
		return "", fmt.Errorf("%w: the search text has %d characters; the limit is %d", atlas.ErrBadInput, n, MaxSearchLength)
	}
	if !utf8.ValidString(text) {
		return "", fmt.Errorf("%w: the search text is not valid UTF-8", atlas.ErrBadInput)
	}
	if strings.Count(text, `"`)%2 != 0 {
		return "", fmt.Errorf("%w: the search text %q has an unbalanced double quote", atlas.ErrBadInput, text)
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
		return "", fmt.Errorf("%w: the search text %q has no word to look for", atlas.ErrBadInput, text)
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
// first. The index spans every release; the filter keeps one. It returns
// ids only: the objects are the held release's (package view).
const qSearch = matchRelease + `CALL (release) {
CALL db.index.fulltext.queryNodes('atlas_text', $search) YIELD node, score
WITH node, score WHERE node.release = release
WITH node, score ORDER BY score DESC, node.id LIMIT $limit
RETURN collect([labels(node), node.id, score]) AS hits
}
RETURN release, hits`

// Hit is one object full-text search found: its kind, id and score.
type Hit struct {
	Kind  view.Kind
	ID    string
	Score float64
}

// searchLabels maps the node labels the index covers to kinds; a closed
// list, so that no label is ever built from input.
var searchLabels = map[string]view.Kind{
	"Tactic": view.KindTactic, "Technique": view.KindTechnique, "Mitigation": view.KindMitigation,
	"CaseStudy": view.KindCaseStudy, "Actor": view.KindActor,
}

// Search runs a full-text search (see LuceneQuery for the syntax) over the
// names and descriptions of a release's objects and returns the version it
// searched and at most limit hits, best first.
func (r *Reader) Search(ctx context.Context, release, text string, limit int) (string, []Hit, error) {
	q, err := LuceneQuery(text)
	if err != nil {
		return "", nil, err
	}
	recs, err := r.query(ctx, qSearch, map[string]any{"release": release, "search": q, "limit": limit})
	if err != nil {
		return "", nil, fmt.Errorf("search %q: %w", text, err)
	}
	if len(recs) == 0 {
		return "", nil, &atlas.NotFoundError{Kind: "release", ID: release}
	}
	rel := recString(recs[0], "release")
	v, _ := recs[0].Get("hits")
	raw, _ := v.([]any)
	out := make([]Hit, 0, len(raw))
	for _, x := range raw {
		row, _ := x.([]any)
		if len(row) != 3 {
			continue
		}
		labels, _ := row[0].([]any)
		id, _ := row[1].(string)
		score, _ := row[2].(float64)
		for _, l := range labels {
			if k, ok := searchLabels[asString(l)]; ok {
				out = append(out, Hit{Kind: k, ID: id, Score: score})
				break
			}
		}
	}
	return rel, out, nil
}
