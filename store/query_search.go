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

// SearchClause is one clause of a user's search text: a word (Prefix: it
// ended in *) or a phrase (Phrase: words in double quotes, taken
// literally), either required or, with Exclude, excluding. Words are
// lower-cased.
type SearchClause struct {
	Words   []string
	Phrase  bool
	Prefix  bool
	Exclude bool
}

// ParseSearch reads a user's search text in the small, documented syntax
// every search face shares, and takes everything else literally:
//
//   - words separated by spaces, all required;
//   - a word ending in * matches the words starting with it;
//   - a word starting with - excludes the objects containing it;
//   - text in double quotes is a phrase.
//
// It returns an error wrapping atlas.ErrBadInput for a text that is too long,
// has an unbalanced quote, or has no word to look for.
func ParseSearch(text string) ([]SearchClause, error) {
	if n := utf8.RuneCountInString(text); n > MaxSearchLength {
		return nil, fmt.Errorf("%w: the search text has %d characters; the limit is %d", atlas.ErrBadInput, n, MaxSearchLength)
	}
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("%w: the search text is not valid UTF-8", atlas.ErrBadInput)
	}
	if strings.Count(text, `"`)%2 != 0 {
		return nil, fmt.Errorf("%w: the search text %q has an unbalanced double quote", atlas.ErrBadInput, text)
	}
	var clauses []SearchClause
	positive := 0
	for i, part := range strings.Split(text, `"`) {
		if i%2 == 1 { // inside quotes: a phrase
			words := strings.Fields(strings.ToLower(part))
			if len(words) == 0 {
				continue
			}
			clauses = append(clauses, SearchClause{Words: words, Phrase: true})
			positive++
			continue
		}
		for _, w := range strings.Fields(part) {
			c := SearchClause{}
			if strings.HasPrefix(w, "-") {
				c.Exclude, w = true, strings.TrimLeft(w, "-")
			}
			if strings.HasSuffix(w, "*") {
				c.Prefix, w = true, strings.TrimRight(w, "*")
			}
			if strings.Trim(w, luceneSpecial) == "" {
				continue // nothing but punctuation: no word to look for
			}
			c.Words = []string{strings.ToLower(w)}
			clauses = append(clauses, c)
			if !c.Exclude {
				positive++
			}
		}
	}
	if positive == 0 {
		return nil, fmt.Errorf("%w: the search text %q has no word to look for", atlas.ErrBadInput, text)
	}
	return clauses, nil
}

// LuceneQuery turns a user's search text (see ParseSearch) into a Lucene
// query for the atlas_text full-text index, so that no input can change the
// query's shape or make the parser fail.
func LuceneQuery(text string) (string, error) {
	clauses, err := ParseSearch(text)
	if err != nil {
		return "", err
	}
	out := make([]string, 0, len(clauses))
	for _, c := range clauses {
		words := make([]string, len(c.Words))
		for j, w := range c.Words {
			words[j] = escapeLucene(w)
		}
		switch {
		case c.Phrase:
			out = append(out, `+"`+strings.Join(words, " ")+`"`)
		case c.Exclude:
			out = append(out, "-"+words[0]+star(c.Prefix))
		default:
			out = append(out, "+"+words[0]+star(c.Prefix))
		}
	}
	return strings.Join(out, " "), nil
}

func star(prefix bool) string {
	if prefix {
		return "*"
	}
	return ""
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
