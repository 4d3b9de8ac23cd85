package store_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/store"
)

// sessionCounter counts the sessions a store opens: every read of the store
// is one query in one session, so it counts queries.
type sessionCounter struct {
	neo4j.DriverWithContext
	n atomic.Int64
}

func (d *sessionCounter) NewSession(ctx context.Context, cfg neo4j.SessionConfig) neo4j.SessionWithContext {
	d.n.Add(1)
	return d.DriverWithContext.NewSession(ctx, cfg)
}

// light keeps only what AnalysisView promises to read.
func light(r *atlas.Release) *atlas.Release {
	out := &atlas.Release{Version: r.Version, Format: r.Format, SHA256: r.SHA256, Source: r.Source}
	obj := func(o atlas.Object) atlas.Object { return atlas.Object{ID: o.ID, Name: o.Name} }
	for _, t := range r.Tactics {
		out.Tactics = append(out.Tactics, atlas.Tactic{Object: obj(t.Object), Position: t.Position})
	}
	for _, t := range r.Techniques {
		out.Techniques = append(out.Techniques, atlas.Technique{Object: obj(t.Object), Maturity: t.Maturity, Tactics: t.Tactics, Parent: t.Parent})
	}
	for _, m := range r.Mitigations {
		lm := atlas.Mitigation{Object: obj(m.Object)}
		for _, l := range m.Mitigates {
			lm.Mitigates = append(lm.Mitigates, atlas.Mitigates{Technique: l.Technique})
		}
		out.Mitigations = append(out.Mitigations, lm)
	}
	for _, c := range r.CaseStudies {
		lc := atlas.CaseStudy{Object: obj(c.Object), Type: c.Type, ActorText: c.ActorText, Actors: c.Actors}
		for _, s := range c.Steps {
			lc.Steps = append(lc.Steps, atlas.Step{ID: s.ID, Technique: s.Technique, Tactic: s.Tactic, LeadsTo: s.LeadsTo})
		}
		out.CaseStudies = append(out.CaseStudies, lc)
	}
	out.Actors = r.Actors
	return out
}

// TestAnalysisViewMatchesFile loads two releases side by side and reads each
// back with AnalysisView: it must equal the parsed file minus what the view
// leaves out, in exactly two queries, and give the analyses the same input
// as the file.
func TestAnalysisViewMatchesFile(t *testing.T) {
	s, d := neo4jtest.Store(t)
	ctx := context.Background()
	counter := &sessionCounter{DriverWithContext: d}
	db := neo4jtest.Config(t).Database
	view := store.New(counter, db)
	for i, name := range []string{"atlas/v6/ATLAS-2026.05.yaml", "atlas/ATLAS-5.6.0.yaml"} {
		t.Run(name, func(t *testing.T) {
			r, _ := parse(t, name)
			load(t, s, r, store.LoadOptions{Current: store.CurrentWhen(i == 0)})
			before := counter.n.Load()
			got, err := view.AnalysisView(ctx, r.Version)
			if err != nil {
				t.Fatal(err)
			}
			if n := counter.n.Load() - before; n != 2 {
				t.Errorf("AnalysisView ran %d queries; want 2", n)
			}
			if diff := cmp.Diff(light(r), got, equateEmpty); diff != "" {
				t.Errorf("view differs from the parsed file (-file +view):\n%s", diff)
			}
			// The unexported fields of Input and Knowledge are indexes built on first use.
			if diff := cmp.Diff(analysis.FromRelease(r), analysis.FromRelease(got), equateEmpty, cmpopts.IgnoreUnexported(analysis.Input{}, analysis.Knowledge{})); diff != "" {
				t.Errorf("analysis input differs (-file +view):\n%s", diff)
			}
		})
	}
	t.Run("current", func(t *testing.T) {
		got, err := view.AnalysisView(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != "2026.05" {
			t.Errorf("current release read as %q; want 2026.05", got.Version)
		}
	})
	t.Run("not loaded", func(t *testing.T) {
		_, err := view.AnalysisView(ctx, "9999.99")
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v; want ErrNotFound", err)
		}
	})
}
