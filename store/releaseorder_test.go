package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/view"
)

func TestSortReleases(t *testing.T) {
	list := []view.ReleaseInfo{{Version: "4.5.0"}, {Version: "2026.05", Key: "2026.05#staging-1"}, {Version: "5.10.0"}, {Version: "2026.05"},
		{Version: "5.5.0"}, {Version: "5.6.0"}, {Version: "4.10.0"}}
	store.SortReleases(list)
	var got []string
	for _, r := range list {
		got = append(got, r.Version+r.Key)
	}
	if want := "2026.05 2026.052026.05#staging-1 5.10.0 5.6.0 5.5.0 4.10.0 4.5.0"; strings.Join(got, " ") != want {
		t.Errorf("sorted: %v, want %s", got, want)
	}
}

// TestLoadCurrentChoice loads releases in a shuffled order with each
// choice: an older release is staged with a note, and the listing is by
// version whatever the load order.
func TestLoadCurrentChoice(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	ctx := context.Background()
	rels := map[string]string{"2026.05": "atlas/v6/ATLAS-2026.05.yaml", "4.5.0": "atlas/ATLAS-4.5.0.yaml", "5.5.0": "atlas/ATLAS-5.5.0.yaml", "5.6.0": "atlas/ATLAS-5.6.0.yaml"}
	steps := []struct {
		version     string
		choice      store.CurrentChoice
		wantCurrent string
		why         store.NotCurrentReason
	}{
		{"5.5.0", store.CurrentIfNotOlder, "5.5.0", ""},                      // nothing current yet
		{"2026.05", store.CurrentIfNotOlder, "2026.05", ""},                  // newer
		{"4.5.0", store.CurrentIfNotOlder, "2026.05", store.NotCurrentOlder}, // older: staged
		{"5.6.0", store.CurrentNever, "2026.05", store.NotCurrentAsked},
		{"4.5.0", store.CurrentAlways, "4.5.0", ""},     // unchanged, forced current
		{"5.6.0", store.CurrentIfNotOlder, "5.6.0", ""}, // unchanged, newer than 4.5.0
		{"5.5.0", store.CurrentIfNotOlder, "5.6.0", store.NotCurrentOlder},
	}
	for _, st := range steps {
		r, _ := parse(t, rels[st.version])
		res := load(t, s, r, store.LoadOptions{Current: st.choice})
		if res.Current != (st.wantCurrent == st.version) || res.CurrentVersion != st.wantCurrent || res.NotCurrent != st.why {
			t.Errorf("load %s with choice %d: current %v, current version %q, why %q; want current %s, why %q",
				st.version, st.choice, res.Current, res.CurrentVersion, res.NotCurrent, st.wantCurrent, st.why)
		}
		if info, err := s.Release(ctx, ""); err != nil || info.Version != st.wantCurrent {
			t.Errorf("after loading %s the current release is %q (%v), want %s", st.version, info.Version, err, st.wantCurrent)
		}
		note := res.Note()
		switch st.why {
		case "":
			if note != "" {
				t.Errorf("a current release has a note: %q", note)
			}
		case store.NotCurrentOlder:
			for _, w := range []string{"loaded " + st.version + " and staged it", "older than the current " + st.wantCurrent, "atlasgraph releases use " + st.version, "--current"} {
				if !strings.Contains(note, w) {
					t.Errorf("note %q lacks %q", note, w)
				}
			}
		case store.NotCurrentAsked:
			if !strings.Contains(note, "atlasgraph releases use "+st.version) {
				t.Errorf("note %q does not say how to switch", note)
			}
		}
	}
	list, err := s.Releases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range list {
		got = append(got, r.Version+":"+r.Status)
	}
	if want := "2026.05:complete 5.6.0:complete 5.5.0:complete 4.5.0:complete"; strings.Join(got, " ") != want {
		t.Errorf("Releases = %v, want %s", got, want)
	}
	// The API's list has the same order.
	reader := store.NewReader(s, store.ReaderOptions{})
	api, err := reader.Releases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, r := range api {
		got = append(got, r.Version)
	}
	if strings.Join(got, " ") != "2026.05 5.6.0 5.5.0 4.5.0" {
		t.Errorf("Reader.Releases = %v", got)
	}
}
