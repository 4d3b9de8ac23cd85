package store_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/view"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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

// TestReader: the reads a server makes. A release is read whole in one
// transaction (each of its queries observed, the counter servers report),
// equal to what was loaded; search returns ids of the release asked; Ping
// names the current release.
func TestReader(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	r, _ := parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	load(t, s, r, store.LoadOptions{Current: store.CurrentAlways})
	old, _ := parse(t, "atlas/ATLAS-5.6.0.yaml")
	load(t, s, old, store.LoadOptions{Current: store.CurrentNever})
	rd := store.NewReader(s, store.ReaderOptions{})
	var n atomic.Int64
	ctx := store.WithQueryObserver(context.Background(), func(string, map[string]any) { n.Add(1) })

	for _, want := range []*atlas.Release{r, old} {
		info, err := rd.Release(ctx, want.Version)
		if err != nil {
			t.Fatal(err)
		}
		before := n.Load()
		got, err := rd.Snapshot(ctx, info)
		if err != nil {
			t.Fatal(err)
		}
		if q := n.Load() - before; q < 1 || q > 8 {
			t.Errorf("snapshot of %s: %d queries observed, want one per kind of node", want.Version, q)
		}
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(atlas.Release{}, "Source")); d != "" {
			t.Errorf("snapshot of %s differs from the file (-file +graph):\n%s", want.Version, d)
		}
	}
	var nf *atlas.NotFoundError
	if _, err := rd.Release(ctx, "0.0.1"); !errors.As(err, &nf) || nf.Kind != "release" {
		t.Errorf("unknown release: %v", err)
	}
	rel, hits, err := rd.Search(ctx, "", "prompt injection", 10)
	if err != nil || rel != "2026.05" || len(hits) == 0 {
		t.Fatalf("Search = %s, %v, %v", rel, hits, err)
	}
	found := false
	for _, h := range hits {
		found = found || (h.ID == "AML.T0051" && h.Kind == view.KindTechnique)
	}
	if !found {
		t.Errorf("search for prompt injection does not find AML.T0051: %+v", hits)
	}
	for _, text := range []string{`prompt) OR (x`, `a:b`, `\\`, `a\b`, `"x" y*`, `ü*`} {
		// Refused as bad input or answered: never a failure of Neo4j's parser.
		if _, _, err := rd.Search(ctx, "", text, 5); err != nil && !errors.Is(err, atlas.ErrBadInput) {
			t.Errorf("Search(%q): %v", text, err)
		}
	}
	if cur, err := rd.Ping(ctx); err != nil || cur != "2026.05" {
		t.Errorf("Ping = %q, %v", cur, err)
	}
}
