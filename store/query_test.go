package store_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/store"
)

func TestLuceneQuery(t *testing.T) {
	cases := []struct {
		in, want string
		bad      bool
	}{
		{in: "prompt injection", want: "+prompt +injection"},
		{in: "Prompt  INJ*", want: "+prompt +inj*"},
		{in: `"prompt injection" -jailbreak`, want: `+"prompt injection" -jailbreak`},
		{in: "AND OR NOT", want: "+and +or +not"},
		{in: "title:(x) a/b c~2 d^3 [e TO f] {g} h&&i j||k !l \\m ?n", want: `+title\:\(x\) +a\/b +c\~2 +d\^3 +\[e +to +f\] +\{g\} +h\&\&i +j\|\|k +\!l +\\m +\?n`},
		{in: "model-theft", want: `+model\-theft`},
		{in: `"unbalanced`, bad: true},
		{in: "&& || !", bad: true},
		{in: "-only -excluded", bad: true},
		{in: "   ", bad: true},
		{in: string(make([]byte, store.MaxSearchLength+1)), bad: true},
	}
	for _, c := range cases {
		got, err := store.LuceneQuery(c.in)
		if c.bad {
			if !errors.Is(err, atlas.ErrBadInput) {
				t.Errorf("LuceneQuery(%q) = %q, %v; want atlas.ErrBadInput", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("LuceneQuery(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// FuzzLuceneQuery: whatever the text, the query is refused as bad input or
// accepted by Neo4j's parser. TestReader sends odd texts to Neo4j.
func FuzzLuceneQuery(f *testing.F) {
	for _, s := range []string{"prompt", `"a b" -c d*`, `\`, `(`, `a:"`, "*", "-", "ü ñ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := store.LuceneQuery(s)
		if err != nil && !errors.Is(err, atlas.ErrBadInput) {
			t.Fatalf("LuceneQuery(%q): %v", s, err)
		}
		if err == nil && q == "" {
			t.Fatalf("LuceneQuery(%q) is empty", s)
		}
	})
}

func TestReader(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	r, _ := parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	load(t, s, r, store.LoadOptions{Current: store.CurrentAlways})
	rd := store.NewReader(s, store.ReaderOptions{})
	var n atomic.Int64
	ctx := store.WithQueryObserver(context.Background(), func(string, map[string]any) { n.Add(1) })

	te, err := rd.Technique(ctx, "", "AML.T0051")
	if err != nil || te.Name == "" || te.Release != "2026.05" {
		t.Fatalf("Technique = %+v, %v", te, err)
	}
	var nf *atlas.NotFoundError
	if _, err := rd.Technique(ctx, "", "AML.T9999"); !errors.As(err, &nf) || nf.Kind != "technique" || !errors.Is(err, atlas.ErrNotFound) {
		t.Errorf("unknown technique: %v", err)
	}
	if _, err := rd.Technique(ctx, "0.0.1", "AML.T0051"); !errors.As(err, &nf) || nf.Kind != "release" {
		t.Errorf("unknown release: %v", err)
	}
	l, err := rd.Techniques(ctx, "2026.05", store.TechniqueFilter{}, store.Page{First: 10})
	if err != nil || len(l.Items) != 10 || !l.HasNextPage || l.Total != len(r.Techniques) {
		t.Errorf("first page: %d items, next %v, total %d, %v", len(l.Items), l.HasNextPage, l.Total, err)
	}
	last, err := rd.Techniques(ctx, "", store.TechniqueFilter{}, store.Page{First: 10, After: l.Items[9].ID})
	if err != nil || last.Items[0].ID <= l.Items[9].ID {
		t.Errorf("second page starts at %v, %v", last.Items, err)
	}
	ids := []string{}
	for _, x := range r.Techniques {
		ids = append(ids, x.ID)
	}
	before := n.Load()
	tactics, err := rd.TechniqueTactics(ctx, "2026.05", ids)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Load() - before; got != 1 {
		t.Errorf("tactics of %d techniques took %d queries, want 1", len(ids), got)
	}
	for _, x := range r.Techniques {
		if len(tactics[x.ID]) != len(x.Tactics) {
			t.Errorf("%s: %d tactics, want %d", x.ID, len(tactics[x.ID]), len(x.Tactics))
		}
	}
	for _, text := range []string{`prompt) OR (x`, `a:b`, `\\`, `a\b`, `"x" y*`, `ü*`} {
		// Refused as bad input or answered: never a failure of Neo4j's parser.
		if _, err := rd.Search(ctx, "", text, 5); err != nil && !errors.Is(err, atlas.ErrBadInput) {
			t.Errorf("Search(%q): %v", text, err)
		}
	}
	if cur, err := rd.Ping(ctx); err != nil || cur != "2026.05" {
		t.Errorf("Ping = %q, %v", cur, err)
	}
}
