package readmodel_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/store"
)

func parse(t *testing.T, rel string) *atlas.Release {
	t.Helper()
	path, err := rawatlas.Shared(rel)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := loader.Parse(path, b, loader.Limits{})
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	return r
}

func load(t *testing.T, s *store.Store, r *atlas.Release, cur store.CurrentChoice) {
	t.Helper()
	if _, err := s.Load(context.Background(), r, store.LoadOptions{Current: cur}); err != nil {
		t.Fatalf("load %s: %v", r.Version, err)
	}
}

// ignoreLinks leaves out the link source the model sets on its objects
// (the store's objects have none); TestLinks checks what it answers.
var ignoreLinks = cmp.Options{cmpopts.IgnoreFields(store.Entity{}, "Links"), cmpopts.IgnoreFields(store.Step{}, "Links")}

// same asserts that the model and the store give the same answer
// (values and errors) to one question.
func same[T any](t *testing.T, what string, mv T, merr error, sv T, serr error) {
	t.Helper()
	if (merr == nil) != (serr == nil) || (merr != nil && merr.Error() != serr.Error()) {
		t.Errorf("%s: model error %v, store error %v", what, merr, serr)
		return
	}
	if d := cmp.Diff(sv, mv, cmpopts.EquateEmpty(), ignoreLinks); d != "" {
		t.Errorf("%s: model differs from store (-store +model):\n%s", what, d)
	}
}

// TestSameAnswersAsStore asks the model and the store every question the
// read side has, over two releases in both layouts, with every filter value
// the data holds and pages of several sizes, and wants identical answers.
func TestSameAnswersAsStore(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	ctx := context.Background()
	files := map[string]*atlas.Release{}
	for _, name := range []string{"atlas/ATLAS-5.6.0.yaml", "atlas/v6/ATLAS-2026.05.yaml"} {
		r := parse(t, name)
		load(t, s, r, store.CurrentAlways)
		files[r.Version] = r
	}
	sr := store.NewReader(s, store.ReaderOptions{})
	m := readmodel.New(sr, readmodel.Options{})
	for version, file := range files {
		t.Run(version, func(t *testing.T) {
			compare(t, ctx, m, sr, version, file)
		})
	}
	// "" is the current release for both.
	mv, merr := m.ResolveRelease(ctx, "")
	sv, serr := sr.ResolveRelease(ctx, "")
	same(t, "current release", mv, merr, sv, serr)
	mt, merr := m.Technique(ctx, "", "AML.T0051")
	st, serr := sr.Technique(ctx, "", "AML.T0051")
	same(t, "technique of the current release", mt, merr, st, serr)
	// Unknown releases fail alike.
	_, merr = m.Technique(ctx, "0.0.1", "AML.T0051")
	_, serr = sr.Technique(ctx, "0.0.1", "AML.T0051")
	same(t, "unknown release", 0, merr, 0, serr)
	if !errors.Is(merr, atlas.ErrNotFound) {
		t.Errorf("unknown release: %v is not ErrNotFound", merr)
	}
	if n := m.Reads(); n != len(files) {
		t.Errorf("the model read %d releases from Neo4j, want %d (one per release)", n, len(files))
	}
}

func compare(t *testing.T, ctx context.Context, m *readmodel.Model, sr *store.Reader, rel string, file *atlas.Release) {
	var techIDs, tacticIDs, mitIDs, caseIDs, stepKeys []string
	platforms, categories, phases, types := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, x := range file.Tactics {
		tacticIDs = append(tacticIDs, x.ID)
	}
	for _, x := range file.Techniques {
		techIDs = append(techIDs, x.ID)
		for _, p := range x.Platforms {
			platforms[p] = true
		}
	}
	for _, x := range file.Mitigations {
		mitIDs = append(mitIDs, x.ID)
		for _, c := range x.Categories {
			categories[c] = true
		}
		for _, p := range x.LifecyclePhases {
			phases[p] = true
		}
	}
	for _, x := range file.CaseStudies {
		caseIDs = append(caseIDs, x.ID)
		types[x.Type] = true
		types[strings.ToUpper(x.Type)] = true
		for _, st := range x.Steps {
			stepKeys = append(stepKeys, x.ID+"/"+st.ID)
		}
	}
	missing := "AML.X9999"
	// Filters by technique take every third technique: the filter code is
	// the same for each, and the store answers each with a query.
	var someTechs []string
	for i := 0; i < len(techIDs); i += 3 {
		someTechs = append(someTechs, techIDs[i])
	}
	withMissing := func(ids []string) []string { return append(slices.Clone(ids), missing) }

	// Objects by id, and a missing one.
	for _, id := range withMissing(tacticIDs) {
		mv, merr := m.Tactic(ctx, rel, id)
		sv, serr := sr.Tactic(ctx, rel, id)
		same(t, "tactic "+id, mv, merr, sv, serr)
	}
	for _, id := range withMissing(techIDs) {
		mv, merr := m.Technique(ctx, rel, id)
		sv, serr := sr.Technique(ctx, rel, id)
		same(t, "technique "+id, mv, merr, sv, serr)
	}
	for _, id := range withMissing(mitIDs) {
		mv, merr := m.Mitigation(ctx, rel, id)
		sv, serr := sr.Mitigation(ctx, rel, id)
		same(t, "mitigation "+id, mv, merr, sv, serr)
	}
	for _, id := range withMissing(caseIDs) {
		mv, merr := m.CaseStudy(ctx, rel, id)
		sv, serr := sr.CaseStudy(ctx, rel, id)
		same(t, "case study "+id, mv, merr, sv, serr)
	}

	// Every object's relationship methods (what GraphQL reads) answer what
	// the store's batched reads answer.
	v, err := sr.ResolveRelease(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Release(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	stTactics, _ := sr.TechniqueTactics(ctx, v, techIDs)
	stMits, _ := sr.TechniqueMitigations(ctx, v, techIDs)
	stCases, _ := sr.TechniqueCaseStudies(ctx, v, techIDs)
	stSubs, _ := sr.Subtechniques(ctx, v, techIDs)
	stNext, _ := sr.TechniqueFollowedBy(ctx, v, techIDs)
	for _, te := range r.AllTechniques() {
		if te.Links == nil {
			t.Fatalf("technique %s has no links", te.ID)
		}
		same(t, "tactics() of "+te.ID, te.Tactics(), nil, stTactics[te.ID], nil)
		same(t, "mitigations() of "+te.ID, te.Mitigations(), nil, stMits[te.ID], nil)
		same(t, "caseStudies() of "+te.ID, te.CaseStudies(), nil, stCases[te.ID], nil)
		same(t, "subtechniques() of "+te.ID, te.Subtechniques(), nil, stSubs[te.ID], nil)
		same(t, "followedBy() of "+te.ID, te.FollowedBy(), nil, stNext[te.ID], nil)
		if te.IsSubtechnique() && (te.Parent() == nil || te.Parent().ID != te.ParentID) {
			t.Errorf("parent() of %s = %v, want %s", te.ID, te.Parent(), te.ParentID)
		}
		for _, mi := range te.Mitigations() {
			if mi.Mitigation.Links == nil || len(mi.Mitigation.Techniques()) == 0 {
				t.Errorf("mitigation %s reached from %s answers no techniques", mi.Mitigation.ID, te.ID)
			}
		}
	}
	stSteps, _ := sr.CaseStudySteps(ctx, v, caseIDs)
	for _, id := range caseIDs {
		c, err := m.CaseStudy(ctx, rel, id)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "steps() of "+id, c.Steps(), nil, stSteps[id], nil)
		for _, st := range c.Steps() {
			if st.Technique() == nil || st.Technique().ID != st.TechniqueID || st.Tactic() == nil || st.Tactic().ID != st.TacticID || st.CaseStudy() == nil || st.CaseStudy().ID != id {
				t.Errorf("step %s: technique %v, tactic %v, case study %v", st.ID, st.Technique(), st.Tactic(), st.CaseStudy())
			}
		}
	}

	// Lists: every filter value, and pages.
	pages := []store.Page{{}, {First: 1}, {First: 7}, {First: 7, After: "AML.T0040"}, {After: "AML.M0005"}, {First: 3, After: "zzz"}}
	for _, p := range pages {
		mv, merr := m.Tactics(ctx, rel, store.TacticFilter{}, p)
		sv, serr := sr.Tactics(ctx, rel, store.TacticFilter{}, p)
		same(t, fmt.Sprintf("tactics %+v", p), mv, merr, sv, serr)
	}
	yes, no := true, false
	var tf []store.TechniqueFilter
	for _, id := range append(slices.Clone(tacticIDs), missing) {
		tf = append(tf, store.TechniqueFilter{Tactic: id})
	}
	for _, mat := range append(slices.Clone(store.Maturities), "realized", "DEMONSTRATED", "bogus") {
		tf = append(tf, store.TechniqueFilter{Maturity: mat})
	}
	for p := range platforms {
		tf = append(tf, store.TechniqueFilter{Platform: p})
	}
	tf = append(tf, store.TechniqueFilter{HasMitigation: &yes}, store.TechniqueFilter{HasMitigation: &no},
		store.TechniqueFilter{IsSubtechnique: &yes}, store.TechniqueFilter{IsSubtechnique: &no},
		store.TechniqueFilter{Tactic: "AML.TA0002", HasMitigation: &yes, IsSubtechnique: &no})
	for _, f := range tf {
		for _, p := range pages {
			mv, merr := m.Techniques(ctx, rel, f, p)
			sv, serr := sr.Techniques(ctx, rel, f, p)
			same(t, fmt.Sprintf("techniques %+v %+v", f, p), mv, merr, sv, serr)
		}
	}
	var mf []store.MitigationFilter
	for _, id := range append(slices.Clone(someTechs), missing) {
		mf = append(mf, store.MitigationFilter{Technique: id})
	}
	for c := range categories {
		mf = append(mf, store.MitigationFilter{Category: c})
	}
	for p := range phases {
		mf = append(mf, store.MitigationFilter{LifecyclePhase: p})
	}
	mf = append(mf, store.MitigationFilter{})
	for _, f := range mf {
		for _, p := range pages[:2] {
			mv, merr := m.Mitigations(ctx, rel, f, p)
			sv, serr := sr.Mitigations(ctx, rel, f, p)
			same(t, fmt.Sprintf("mitigations %+v %+v", f, p), mv, merr, sv, serr)
		}
	}
	cf := []store.CaseStudyFilter{{}}
	for ty := range types {
		cf = append(cf, store.CaseStudyFilter{Type: ty})
	}
	for _, id := range append(slices.Clone(someTechs), missing) {
		cf = append(cf, store.CaseStudyFilter{Technique: id})
	}
	actors, err := sr.Actors(ctx, rel, store.ActorFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var actorIDs []string
	for _, a := range actors.Items {
		actorIDs = append(actorIDs, a.ID)
		cf = append(cf, store.CaseStudyFilter{Actor: a.ID})
	}
	for _, f := range cf {
		for _, p := range pages[:2] {
			mv, merr := m.CaseStudies(ctx, rel, f, p)
			sv, serr := sr.CaseStudies(ctx, rel, f, p)
			same(t, fmt.Sprintf("case studies %+v %+v", f, p), mv, merr, sv, serr)
		}
	}
	// A search goes to the index either way.
	mv, merr := m.Techniques(ctx, rel, store.TechniqueFilter{Search: "prompt injection"}, store.Page{First: 5})
	sv, serr := sr.Techniques(ctx, rel, store.TechniqueFilter{Search: "prompt injection"}, store.Page{First: 5})
	same(t, "technique search", mv, merr, sv, serr)

	// Every relationship over every id, plus a missing one.
	rels := []struct {
		what string
		ids  []string
		m, s func(context.Context, string, []string) (any, error)
	}{
		{"tactics by id", tacticIDs, wrap(m.TacticsByID), wrap(sr.TacticsByID)},
		{"techniques by id", techIDs, wrap(m.TechniquesByID), wrap(sr.TechniquesByID)},
		{"mitigations by id", mitIDs, wrap(m.MitigationsByID), wrap(sr.MitigationsByID)},
		{"case studies by id", caseIDs, wrap(m.CaseStudiesByID), wrap(sr.CaseStudiesByID)},
		{"technique tactics", techIDs, wrap(m.TechniqueTactics), wrap(sr.TechniqueTactics)},
		{"tactic techniques", tacticIDs, wrap(m.TacticTechniques), wrap(sr.TacticTechniques)},
		{"sub-techniques", techIDs, wrap(m.Subtechniques), wrap(sr.Subtechniques)},
		{"technique mitigations", techIDs, wrap(m.TechniqueMitigations), wrap(sr.TechniqueMitigations)},
		{"mitigation techniques", mitIDs, wrap(m.MitigationTechniques), wrap(sr.MitigationTechniques)},
		{"technique case studies", techIDs, wrap(m.TechniqueCaseStudies), wrap(sr.TechniqueCaseStudies)},
		{"case-study actors", caseIDs, wrap(m.CaseStudyActors), wrap(sr.CaseStudyActors)},
		{"actor case studies", actorIDs, wrap(m.ActorCaseStudies), wrap(sr.ActorCaseStudies)},
		{"followed by", techIDs, wrap(m.TechniqueFollowedBy), wrap(sr.TechniqueFollowedBy)},
		{"preceded by", techIDs, wrap(m.TechniquePrecededBy), wrap(sr.TechniquePrecededBy)},
		{"steps", caseIDs, wrap(m.CaseStudySteps), wrap(sr.CaseStudySteps)},
		{"steps lead to", stepKeys, wrap(m.StepsLeadTo), wrap(sr.StepsLeadTo)},
		{"steps lead from", stepKeys, wrap(m.StepsLeadFrom), wrap(sr.StepsLeadFrom)},
	}
	for _, r := range rels {
		if len(r.ids) == 0 {
			continue
		}
		ids := withMissing(r.ids)
		// The store's batched reads take a resolved version.
		v, err := sr.ResolveRelease(ctx, rel)
		if err != nil {
			t.Fatal(err)
		}
		mv, merr := r.m(ctx, rel, ids)
		sv, serr := r.s(ctx, v, ids)
		same(t, r.what, mv, merr, sv, serr)
	}
}

func wrap[T any](f func(context.Context, string, []string) (T, error)) func(context.Context, string, []string) (any, error) {
	return func(ctx context.Context, rel string, ids []string) (any, error) { return f(ctx, rel, ids) }
}

// TestFollowsChanges switches, replaces and prunes releases behind the
// model's back (as another server or the command line would) and checks
// that it answers from the new state once its catalogue is older than Poll,
// and at once after Invalidate.
func TestFollowsChanges(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	ctx := context.Background()
	old, cur := parse(t, "atlas/ATLAS-5.6.0.yaml"), parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	load(t, s, old, store.CurrentAlways)
	load(t, s, cur, store.CurrentAlways)
	const poll = 200 * time.Millisecond
	m := readmodel.New(store.NewReader(s, store.ReaderOptions{}), readmodel.Options{Poll: poll})
	version := func() string {
		t.Helper()
		r, err := m.Release(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		return r.Version()
	}
	if v := version(); v != cur.Version {
		t.Fatalf("current = %s, want %s", v, cur.Version)
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen after 30s (poll %s)", what, poll)
			}
			time.Sleep(poll / 4)
		}
	}

	// A switch made elsewhere is seen once the catalogue is stale.
	if err := s.SetCurrent(ctx, old.Version); err != nil {
		t.Fatal(err)
	}
	eventually("switch", func() bool { return version() == old.Version })

	// A replace (same version, new content) is read anew. The current
	// release is never replaced, so switch back first.
	if err := s.SetCurrent(ctx, cur.Version); err != nil {
		t.Fatal(err)
	}
	id := old.Techniques[0].ID
	if te, err := m.Technique(ctx, old.Version, id); err != nil || te.Name != old.Techniques[0].Name {
		t.Fatalf("before replace: %+v, %v", te, err)
	}
	changed := *old
	changed.Techniques = slices.Clone(old.Techniques)
	changed.Techniques[0].Name = "Renamed by the test"
	changed.SHA256 = strings.Repeat("ab", 32)
	if _, err := s.Load(ctx, &changed, store.LoadOptions{Current: store.CurrentNever, Replace: true}); err != nil {
		t.Fatal(err)
	}
	m.Invalidate()
	te, err := m.Technique(ctx, old.Version, id)
	if err != nil || te.Name != "Renamed by the test" {
		t.Fatalf("after replace and Invalidate: %+v, %v", te, err)
	}

	// A prune is seen: the version is not found any more.
	if _, err := s.Prune(ctx, old.Version); err != nil {
		t.Fatal(err)
	}
	eventually("prune", func() bool {
		_, err := m.Technique(ctx, old.Version, old.Techniques[0].ID)
		var nf *atlas.NotFoundError
		return errors.As(err, &nf) && nf.Kind == "release"
	})
	if v := version(); v != cur.Version {
		t.Errorf("current after prune = %s, want %s", v, cur.Version)
	}
}

// TestCancelledWaitersDoNotStopTheRead asks for a release with a context
// that ends at once: the caller gets its context's error, and the read it
// started still completes for the next caller.
func TestCancelledWaiter(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	load(t, s, parse(t, "atlas/v6/ATLAS-2026.05.yaml"), store.CurrentAlways)
	m := readmodel.New(store.NewReader(s, store.ReaderOptions{}), readmodel.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Release(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v, want context.Canceled", err)
	}
	r, err := m.Release(context.Background(), "")
	if err != nil || r.Version() != "2026.05" {
		t.Fatalf("next request: %v, %v", r, err)
	}
}

// TestPin checks that a pinned request answers every question from the
// catalogue its first question read, even when the current release is
// switched meanwhile, while an unpinned question sees the switch.
func TestPin(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	ctx := context.Background()
	old, cur := parse(t, "atlas/ATLAS-5.6.0.yaml"), parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	load(t, s, old, store.CurrentAlways)
	load(t, s, cur, store.CurrentAlways)
	m := readmodel.New(store.NewReader(s, store.ReaderOptions{}), readmodel.Options{})
	req := m.Pin(ctx)
	if v, err := m.ResolveRelease(req, ""); err != nil || v != cur.Version {
		t.Fatalf("first question: %q, %v", v, err)
	}
	if err := s.SetCurrent(ctx, old.Version); err != nil {
		t.Fatal(err)
	}
	m.Invalidate()
	if v, err := m.ResolveRelease(req, ""); err != nil || v != cur.Version {
		t.Errorf("pinned request after the switch: %q, %v; want %s", v, err, cur.Version)
	}
	if v, err := m.ResolveRelease(ctx, ""); err != nil || v != old.Version {
		t.Errorf("unpinned question after the switch: %q, %v; want %s", v, err, old.Version)
	}
}

// TestWarm checks that a warm model reads the current release without
// being asked, at start and after a switch.
func TestWarm(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	ctx := context.Background()
	old, cur := parse(t, "atlas/ATLAS-5.6.0.yaml"), parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	load(t, s, old, store.CurrentAlways)
	load(t, s, cur, store.CurrentAlways)
	m := readmodel.New(store.NewReader(s, store.ReaderOptions{}), readmodel.Options{Warm: true, Poll: 50 * time.Millisecond})
	m.Warm()
	wait := func(n int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for m.Reads() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d releases read after 60s, want %d", m.Reads(), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	wait(1)
	if err := s.SetCurrent(ctx, old.Version); err != nil {
		t.Fatal(err)
	}
	// Only the catalogue is asked for; the switch it shows starts the read.
	deadline := time.Now().Add(60 * time.Second)
	for m.Reads() < 2 && time.Now().Before(deadline) {
		if _, err := m.Infos(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	wait(2)
	reads := m.Reads()
	if r, err := m.Release(ctx, ""); err != nil || r.Version() != old.Version || m.Reads() != reads {
		t.Errorf("current release after the warm read: %v, %v, reads %d→%d (want no new read)", r, err, reads, m.Reads())
	}
}

// TestNewReleaseAtOnce checks that a release loaded behind the model's back
// is found by the first question that names it, without waiting for Poll.
func TestNewReleaseAtOnce(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	ctx := context.Background()
	cur, old := parse(t, "atlas/v6/ATLAS-2026.05.yaml"), parse(t, "atlas/ATLAS-5.6.0.yaml")
	load(t, s, cur, store.CurrentAlways)
	m := readmodel.New(store.NewReader(s, store.ReaderOptions{}), readmodel.Options{Poll: time.Hour})
	if _, err := m.ResolveRelease(ctx, ""); err != nil {
		t.Fatal(err)
	}
	load(t, s, old, store.CurrentNever)
	time.Sleep(150 * time.Millisecond) // the catalogue is older than a miss may refresh
	if v, err := m.ResolveRelease(ctx, old.Version); err != nil || v != old.Version {
		t.Errorf("the new release: %q, %v", v, err)
	}
	if _, err := m.ResolveRelease(ctx, "0.0.1"); !errors.Is(err, atlas.ErrNotFound) {
		t.Errorf("an unknown release: %v", err)
	}
}

// TestRun checks that a running warm model reads a release made current
// elsewhere without any question being asked.
func TestRun(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cur, old := parse(t, "atlas/v6/ATLAS-2026.05.yaml"), parse(t, "atlas/ATLAS-5.6.0.yaml")
	load(t, s, cur, store.CurrentAlways)
	load(t, s, old, store.CurrentNever)
	m := readmodel.New(store.NewReader(s, store.ReaderOptions{}), readmodel.Options{Warm: true, Poll: 50 * time.Millisecond})
	go m.Run(ctx)
	deadline := time.Now().Add(60 * time.Second)
	for m.Reads() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the current release was not read within 60s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.SetCurrent(ctx, old.Version); err != nil {
		t.Fatal(err)
	}
	for m.Reads() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the release made current elsewhere was not read within 60s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	reads := m.Reads()
	if r, err := m.Release(ctx, ""); err != nil || r.Version() != old.Version || m.Reads() != reads {
		t.Errorf("after the switch: %v, %v; reads %d→%d (want it held already)", r, err, reads, m.Reads())
	}
}
