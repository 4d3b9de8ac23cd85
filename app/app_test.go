package app_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/view"
)

// The application layer is tested on releases held in memory: no
// database. The expectations come from the domain values the loader
// parsed, or from small computations written here.

var (
	parsed   = map[string]*atlas.Release{}
	parsedMu sync.Mutex
)

func release(t *testing.T, name string) *atlas.Release {
	t.Helper()
	parsedMu.Lock()
	defer parsedMu.Unlock()
	if r, ok := parsed[name]; ok {
		return r
	}
	path, err := rawatlas.Shared(name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := loader.Parse(path, b, loader.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	parsed[name] = r
	return r
}

const (
	v6     = "atlas/v6/ATLAS-2026.05.yaml"
	legacy = "atlas/ATLAS-5.6.0.yaml"
)

// service holds 5.6.0 and, current, 2026.05.
func service(t *testing.T) (*app.Service, *atlas.Release) {
	t.Helper()
	cur := release(t, v6)
	svc, err := app.FromReleases(release(t, legacy), cur)
	if err != nil {
		t.Fatal(err)
	}
	return svc, cur
}

// wantCode asserts that err is an app.Error of code whose message holds
// every part.
func wantCode(t *testing.T, err error, code app.Code, parts ...string) {
	t.Helper()
	var e *app.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an app.Error", err, err)
	}
	if e.Code != code {
		t.Errorf("code %s, want %s (%s)", e.Code, code, e.Message)
	}
	for _, p := range parts {
		if !strings.Contains(e.Message, p) {
			t.Errorf("message %q lacks %q", e.Message, p)
		}
	}
}

var ctx = context.Background()

func TestCompleteReleases(t *testing.T) {
	svc, cur := service(t)
	rels, err := svc.CompleteReleases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, r := range rels {
		versions = append(versions, r.Version)
		if r.Current != (r.Version == cur.Version) {
			t.Errorf("%s current = %v", r.Version, r.Current)
		}
	}
	if !slices.Equal(versions, []string{"2026.05", "5.6.0"}) {
		t.Errorf("releases %v, want newest first", versions)
	}
	r, err := svc.CompleteRelease(ctx, "")
	if err != nil || r.Version != cur.Version || r.Counts.Techniques != len(cur.Techniques) {
		t.Errorf("current release %+v, %v", r, err)
	}
	_, err = svc.CompleteRelease(ctx, "1999.01")
	wantCode(t, err, app.NotFound, `release "1999.01" is not loaded`)
}

func TestTechniqueWithItsLinks(t *testing.T) {
	svc, cur := service(t)
	te, err := svc.Technique(ctx, "", "AML.T0051")
	if err != nil {
		t.Fatal(err)
	}
	var src atlas.Technique
	for _, x := range cur.Techniques {
		if x.ID == "AML.T0051" {
			src = x
		}
	}
	if te.Name != src.Name || te.Release != cur.Version {
		t.Errorf("technique %s %q of %s", te.ID, te.Name, te.Release)
	}
	var tactics []string
	for _, ta := range te.Tactics() {
		tactics = append(tactics, ta.ID)
	}
	slices.Sort(tactics)
	if !slices.Equal(tactics, src.Tactics) {
		t.Errorf("tactics %v, the file says %v", tactics, src.Tactics)
	}
	var subs []string
	for _, s := range te.Subtechniques() {
		subs = append(subs, s.ID)
		if s.Parent() == nil || s.Parent().ID != te.ID {
			t.Errorf("%s: parent %v", s.ID, s.Parent())
		}
	}
	for _, x := range cur.Techniques {
		if x.Parent == te.ID && !slices.Contains(subs, x.ID) {
			t.Errorf("sub-technique %s missing from %v", x.ID, subs)
		}
	}
	var mits []string
	for _, m := range te.Mitigations() {
		mits = append(mits, m.Mitigation.ID)
	}
	var want []string
	for _, m := range cur.Mitigations {
		for _, l := range m.Mitigates {
			if l.Technique == te.ID {
				want = append(want, m.ID)
			}
		}
	}
	if !slices.Equal(mits, want) {
		t.Errorf("mitigations %v, the file says %v", mits, want)
	}
}

func TestLookupErrors(t *testing.T) {
	svc, _ := service(t)
	_, err := svc.Technique(ctx, "", "AML.T9999")
	wantCode(t, err, app.NotFound, `technique "AML.T9999" is not in release 2026.05`)
	_, err = svc.Tactic(ctx, "0.0.1", "AML.TA0002")
	wantCode(t, err, app.NotFound, `release "0.0.1"`)
}

func TestTacticsInMatrixOrder(t *testing.T) {
	svc, cur := service(t)
	l, err := svc.Tactics(ctx, "", view.TacticFilter{}, view.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != len(cur.Tactics) || l.Total != len(cur.Tactics) {
		t.Fatalf("%d tactics, total %d; the file has %d", len(l.Items), l.Total, len(cur.Tactics))
	}
	for i := 1; i < len(l.Items); i++ {
		if l.Items[i-1].Position >= l.Items[i].Position {
			t.Errorf("tactic %s (%d) before %s (%d)", l.Items[i-1].ID, l.Items[i-1].Position, l.Items[i].ID, l.Items[i].Position)
		}
	}
}

func TestTechniqueFilters(t *testing.T) {
	svc, cur := service(t)
	l, err := svc.Techniques(ctx, "", view.TechniqueFilter{Tactic: "AML.TA0002"}, view.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, x := range cur.Techniques {
		if slices.Contains(x.Tactics, "AML.TA0002") {
			want = append(want, x.ID)
		}
	}
	var got []string
	for _, x := range l.Items {
		got = append(got, x.ID)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("techniques of Reconnaissance (-file +app):\n%s", d)
	}
	sub := true
	l, err = svc.Techniques(ctx, "", view.TechniqueFilter{IsSubtechnique: &sub, Maturity: "realized"}, view.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range l.Items {
		if !x.IsSubtechnique() || x.Maturity == nil || *x.Maturity != "Realized" {
			t.Errorf("%s is not a realized sub-technique", x.ID)
		}
	}
	_, err = svc.Techniques(ctx, "", view.TechniqueFilter{Maturity: "imaginary"}, view.Page{})
	wantCode(t, err, app.BadInput, `maturity "imaginary"`)
}

func TestPaging(t *testing.T) {
	svc, cur := service(t)
	var all []string
	after := ""
	for {
		l, err := svc.Mitigations(ctx, "", view.MitigationFilter{}, view.Page{First: 7, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != len(cur.Mitigations) {
			t.Fatalf("total %d, want %d", l.Total, len(cur.Mitigations))
		}
		for _, m := range l.Items {
			all = append(all, m.ID)
		}
		if !l.HasNextPage {
			break
		}
		after = l.Items[len(l.Items)-1].ID
	}
	var want []string
	for _, m := range cur.Mitigations {
		want = append(want, m.ID)
	}
	slices.Sort(want)
	if d := cmp.Diff(want, all); d != "" {
		t.Errorf("pages (-file +app):\n%s", d)
	}
}

func TestCaseStudiesAndSteps(t *testing.T) {
	svc, cur := service(t)
	l, err := svc.CaseStudies(ctx, "", view.CaseStudyFilter{Technique: "AML.T0051.000"}, view.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range l.Items {
		var uses bool
		for _, s := range c.Steps() {
			uses = uses || s.TechniqueID == "AML.T0051.000"
		}
		if !uses {
			t.Errorf("%s has no step using AML.T0051.000", c.ID)
		}
	}
	cs, err := svc.CaseStudy(ctx, "", cur.CaseStudies[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	src := cur.CaseStudies[0]
	steps := cs.Steps()
	if len(steps) != len(src.Steps) {
		t.Fatalf("%d steps, the file has %d", len(steps), len(src.Steps))
	}
	for i, s := range steps {
		if s.StepID != src.Steps[i].ID || s.Technique().ID != src.Steps[i].Technique || s.Tactic().ID != src.Steps[i].Tactic {
			t.Errorf("step %d: %s %s %s; the file says %+v", i, s.StepID, s.TechniqueID, s.TacticID, src.Steps[i])
		}
		var next []string
		for _, n := range s.LeadsTo() {
			next = append(next, n.StepID)
		}
		if !slices.Equal(next, src.Steps[i].LeadsTo) && len(next)+len(src.Steps[i].LeadsTo) > 0 {
			t.Errorf("step %s leads to %v; the file says %v", s.StepID, next, src.Steps[i].LeadsTo)
		}
	}
}

func TestDiffFromHeldReleases(t *testing.T) {
	svc, cur := service(t)
	d, err := svc.Diff(ctx, "5.6.0", "2026.05")
	if err != nil {
		t.Fatal(err)
	}
	if want := atlas.Compare(release(t, legacy), cur); !cmp.Equal(want, d.Diff) {
		t.Error("diff differs from atlas.Compare of the two releases")
	}
	if d.Empty() {
		t.Error("5.6.0 and 2026.05 differ, but the diff is empty")
	}
	layer, err := d.NavigatorLayer()
	if err != nil || !strings.Contains(layer, `"techniques"`) {
		t.Errorf("navigator layer: %v, %.200s", err, layer)
	}
	_, err = svc.Diff(ctx, "5.6.0", "")
	wantCode(t, err, app.BadInput, "two release versions")
	_, err = svc.Diff(ctx, "5.6.0", "9.9.9")
	wantCode(t, err, app.NotFound)
}

func TestChain(t *testing.T) {
	svc, cur := service(t)
	var src atlas.CaseStudy
	for _, c := range cur.CaseStudies {
		if c.ID == "AML.CS0000" {
			src = c
		}
	}
	ans, err := svc.Chain(ctx, app.ChainQuestion{CaseStudy: "AML.CS0000"})
	if err != nil {
		t.Fatal(err)
	}
	v := ans.View()
	if v.Chain != "AML.CS0000" || v.Release != cur.Version || len(v.Steps) != len(src.Steps) || !slices.Equal(v.Evidence, []string{"AML.CS0000"}) {
		t.Errorf("chain %s of %s: %d steps (file %d), evidence %v", v.Chain, v.Release, len(v.Steps), len(src.Steps), v.Evidence)
	}
	// Every mitigation said to break the chain alone covers a step on it.
	for _, b := range v.Mitigations {
		if b.EarliestBreak == nil || len(b.Hits) == 0 {
			t.Errorf("%s breaks the chain but names no step", b.Mitigation.ID)
		}
		if b.Mitigation.Name == "" {
			t.Errorf("%s has no name", b.Mitigation.ID)
		}
	}
	if !v.Breakable && len(v.Mitigations) > 0 {
		t.Error("unbreakable, yet mitigations break it")
	}
}

func TestChainAcceptsNames(t *testing.T) {
	svc, _ := service(t)
	ans, err := svc.Chain(ctx, app.ChainQuestion{CaseStudy: "poisongpt"})
	if err != nil {
		t.Fatal(err)
	}
	if ans.View().Chain != "AML.CS0019" {
		t.Errorf("PoisonGPT resolved to %s", ans.View().Chain)
	}
}

func TestChainErrors(t *testing.T) {
	svc, _ := service(t)
	_, err := svc.Chain(ctx, app.ChainQuestion{CaseStudy: "AML.CS9999"})
	wantCode(t, err, app.NotFound, `case study "AML.CS9999" is not in release 2026.05`, "AML.CS0000 to AML.CS0056", "atlasgraph search")
	_, err = svc.Chain(ctx, app.ChainQuestion{CaseStudy: "AML.CS0000", Techniques: []string{"AML.T0000"}})
	wantCode(t, err, app.BadInput, "not both")
	_, err = svc.Chain(ctx, app.ChainQuestion{Techniques: []string{"AML.T0000", "AML.T9999"}})
	wantCode(t, err, app.NotFound, `technique "AML.T9999"`)
}

func TestMinimalSet(t *testing.T) {
	svc, cur := service(t)
	ans, err := svc.MinimalSet(ctx, app.SetQuestion{Budget: app.DefaultBudget})
	if err != nil {
		t.Fatal(err)
	}
	v := ans.View()
	withSteps := 0
	for _, c := range cur.CaseStudies {
		if len(c.Steps) > 0 {
			withSteps++
		}
	}
	if !v.Optimal || len(v.Chains)+len(v.Unbreakable) != withSteps || len(v.Members) == 0 || v.Cost != float64(len(v.Members)) {
		t.Errorf("optimal %v, %d chains + %d unbreakable of %d, %d members at cost %g", v.Optimal, len(v.Chains), len(v.Unbreakable), withSteps, len(v.Members), v.Cost)
	}
	// The set breaks every chain in scope: each linear chain has a step a
	// member mitigates.
	members := map[string]bool{}
	for _, m := range v.Members {
		members[m.Mitigation.ID] = true
	}
	covers := map[string]bool{}
	for _, m := range cur.Mitigations {
		if members[m.ID] {
			for _, l := range m.Mitigates {
				covers[l.Technique] = true
			}
		}
	}
	for _, id := range v.Chains {
		for _, c := range cur.CaseStudies {
			if c.ID != id {
				continue
			}
			if !slices.ContainsFunc(c.Steps, func(s atlas.Step) bool { return covers[s.Technique] }) {
				t.Errorf("%s: no step is covered by the set %v", id, v.Members)
			}
		}
	}
}

func TestMinimalSetLimits(t *testing.T) {
	svc, _ := service(t)
	_, err := svc.MinimalSet(ctx, app.SetQuestion{Budget: 0})
	wantCode(t, err, app.BadInput, "budget must be between 1")
	_, err = svc.MinimalSet(ctx, app.SetQuestion{Budget: app.DefaultBudget, Alternatives: app.MaxAlternatives + 1})
	wantCode(t, err, app.BadInput, "alternatives")
	_, err = svc.MinimalSet(ctx, app.SetQuestion{Budget: app.DefaultBudget, Require: []string{"AML.M0000"}, Exclude: []string{"AML.M0000"}})
	wantCode(t, err, app.BadInput)
}

func TestAttackPaths(t *testing.T) {
	svc, cur := service(t)
	ans, err := svc.AttackPaths(ctx, app.PathQuestion{From: "Reconnaissance", To: "AML.TA0011", MaxHops: 5, Limit: 5, MinSupport: 1})
	if err != nil {
		t.Fatal(err)
	}
	v := ans.View()
	if ans.FromID != "AML.TA0002" || len(v.Paths) != 5 {
		t.Fatalf("from %s, %d paths", ans.FromID, len(v.Paths))
	}
	tacticsOf := map[string][]string{}
	for _, x := range cur.Techniques {
		tacticsOf[x.ID] = x.Tactics
	}
	for _, p := range v.Paths {
		first, last := p.Techniques[0].ID, p.Techniques[len(p.Techniques)-1].ID
		if !slices.Contains(tacticsOf[first], "AML.TA0002") || !slices.Contains(tacticsOf[last], "AML.TA0011") {
			t.Errorf("%s runs from %s to %s", p.ID, first, last)
		}
		if len(p.Hops) != len(p.Techniques)-1 || len(p.Hops) > 5 {
			t.Errorf("%s: %d hops over %d techniques", p.ID, len(p.Hops), len(p.Techniques))
		}
	}
	_, err = svc.AttackPaths(ctx, app.PathQuestion{From: "AML.TA0002", To: "AML.TA0011", MaxHops: app.MaxPathHops + 1, Limit: 5, MinSupport: 1})
	wantCode(t, err, app.BadInput, "max hops")
	_, err = svc.AttackPaths(ctx, app.PathQuestion{From: "AML.TA0002", To: "AML.TA0099", MaxHops: 5, Limit: 5, MinSupport: 1})
	wantCode(t, err, app.NotFound, `"AML.TA0099"`)
}

func TestChokePointsAndGaps(t *testing.T) {
	svc, cur := service(t)
	ch, err := svc.ChokePoints(ctx, app.ChokeQuestion{Limit: 3, Paths: 10})
	if err != nil {
		t.Fatal(err)
	}
	if v := ch.View(); len(v.Techniques) != 3 || len(v.Mitigations) != 3 || v.PathsCounted != 10 {
		t.Errorf("%d techniques, %d mitigations, %d paths counted", len(v.Techniques), len(v.Mitigations), v.PathsCounted)
	}
	_, err = svc.ChokePoints(ctx, app.ChokeQuestion{Limit: 0})
	wantCode(t, err, app.BadInput, "limit must be between 1 and")
	gaps, err := svc.CoverageGaps(ctx, app.GapsQuestion{})
	if err != nil {
		t.Fatal(err)
	}
	mitigated := map[string]bool{}
	for _, m := range cur.Mitigations {
		for _, l := range m.Mitigates {
			mitigated[l.Technique] = true
		}
	}
	want := 0
	for _, x := range cur.Techniques {
		if !mitigated[x.ID] {
			want++
		}
	}
	if gaps.Total != want || len(gaps.View().Techniques) != want {
		t.Errorf("%d gaps (%d listed), the file has %d techniques no mitigation names", gaps.Total, len(gaps.View().Techniques), want)
	}
	for _, g := range gaps.View().Techniques {
		if mitigated[g.Technique.ID] {
			t.Errorf("%s is mitigated", g.Technique.ID)
		}
	}
	limited, err := svc.CoverageGaps(ctx, app.GapsQuestion{Limit: 2})
	if err != nil || len(limited.View().Techniques) != 2 || limited.Total != want {
		t.Errorf("limit 2: %v, %v", limited, err)
	}
}

func TestShow(t *testing.T) {
	svc, _ := service(t)
	o, err := svc.Show(ctx, "", "AML.T0051")
	if err != nil {
		t.Fatal(err)
	}
	if o.Kind != app.KindTechnique || o.ID != "AML.T0051" {
		t.Errorf("kind %s, id %s", o.Kind, o.ID)
	}
	groups := map[string]int{}
	for _, g := range o.Links {
		groups[g.Relation] = len(g.Items)
	}
	if groups["tactics"] == 0 {
		t.Errorf("no tactics among %v", groups)
	}
	_, err = svc.Show(ctx, "", "")
	wantCode(t, err, app.BadInput, "give an id")
}

func TestTechniquesReferencing(t *testing.T) {
	svc, cur := service(t)
	var ref *atlas.AttackRef
	var id string
	for _, x := range cur.Techniques {
		if x.Attack != nil {
			ref, id = x.Attack, x.ID
			break
		}
	}
	if ref == nil {
		t.Skip("the release references no ATT&CK technique")
	}
	l, err := svc.TechniquesReferencing(ctx, "", ref.ID)
	if err != nil || !slices.ContainsFunc(l, func(x view.Technique) bool { return x.ID == id }) {
		t.Errorf("techniques referencing %s: %v, %v; want %s among them", ref.ID, l, err, id)
	}
}

func TestQuestionsNeedingTheDatabase(t *testing.T) {
	svc, _ := service(t)
	// Search is answered from the release in memory (TestSearchWithoutDatabase).
	_, err := svc.ActorList(ctx, "", "", view.ActorFilter{})
	wantCode(t, err, app.Unavailable, "needs the graph database")
	_, err = svc.Load(ctx, app.LoadRequest{})
	wantCode(t, err, app.Unavailable)
	_, err = svc.Search(ctx, "", "x", 0)
	wantCode(t, err, app.BadInput, "1 to 100")
}

func TestThreatModelReport(t *testing.T) {
	svc, cur := service(t)
	data, err := app.ModelTemplate("rag-chatbot")
	if err != nil {
		t.Fatal(err)
	}
	m, err := app.ParseModel("rag-chatbot.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	version, err := svc.CheckModel(ctx, m)
	if err != nil || version != cur.Version {
		t.Fatalf("check: %s, %v", version, err)
	}
	rep, err := svc.ReportModel(ctx, m, app.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.ApplicableTechniques) == 0 {
		t.Error("no technique applies to a RAG chatbot")
	}
	md, err := app.RenderReport(m, rep, "markdown")
	if err != nil || !strings.Contains(string(md), "#") {
		t.Errorf("markdown: %v", err)
	}
	_, err = app.RenderReport(m, rep, "pdf")
	wantCode(t, err, app.BadInput, "pdf")
	_, err = app.ModelTemplate("toaster")
	wantCode(t, err, app.BadInput, "toaster")
}

func TestParseModelErrors(t *testing.T) {
	_, err := app.ParseModel("bad.yaml", []byte("name: x\ncomponents:\n  - id: a\n    kind: no-such-kind\n"))
	wantCode(t, err, app.BadInput, "bad.yaml:")
	svc, _ := service(t)
	_, err = svc.CreateModel(ctx, "x", &app.ThreatModel{})
	wantCode(t, err, app.BadInput, "not enabled")
}

func TestErrorCodes(t *testing.T) {
	cases := []struct {
		err  error
		code app.Code
	}{
		{&atlas.NotFoundError{Kind: "technique", ID: "X", Release: "1"}, app.NotFound},
		{errors.Join(errors.New("wrapped"), atlas.ErrBadInput), app.BadInput},
		{atlas.ErrConflict, app.Conflict},
		{atlas.ErrUnavailable, app.Unavailable},
		{atlas.ErrBusy, app.Busy},
		{context.DeadlineExceeded, app.Timeout},
		{context.Canceled, app.Canceled},
		{errors.New("driver: bolt protocol error 0x7f"), app.Internal},
		{app.Errorf(app.Conflict, "x"), app.Conflict},
	}
	for _, c := range cases {
		if got := app.ErrorCode(c.err); got != c.code {
			t.Errorf("ErrorCode(%v) = %s, want %s", c.err, got, c.code)
		}
	}
	// An internal error's message is its cause, for the user's own
	// terminal; network faces replace it (server tests check they do).
	if msg := app.ErrorMessage(errors.New("driver: bolt protocol error 0x7f")); msg != "driver: bolt protocol error 0x7f" {
		t.Errorf("internal error message %q", msg)
	}
	if app.ErrorCode(nil) != "" {
		t.Error("nil has a code")
	}
}

func TestReadiness(t *testing.T) {
	svc, cur := service(t)
	if _, err := svc.Held(ctx, ""); err != nil {
		t.Fatal(err)
	}
	rd := svc.Ready(ctx)
	if !rd.Ready || rd.Release != cur.Version {
		t.Errorf("readiness %+v once the current release is held", rd)
	}
	empty, err := app.FromReleases()
	if err != nil {
		t.Fatal(err)
	}
	if rd := empty.Ready(ctx); rd.Ready || !strings.Contains(rd.Reason, "no release is current") {
		t.Errorf("readiness with no release: %+v", rd)
	}
}

func TestOpenFile(t *testing.T) {
	path, err := rawatlas.Shared(legacy)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.OpenFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.CompleteRelease(ctx, "")
	if err != nil || r.Version != "5.6.0" {
		t.Errorf("current %+v, %v", r, err)
	}
	_, err = app.OpenFile(ctx, "/no/such/ATLAS.yaml")
	wantCode(t, err, app.BadInput, "/no/such/ATLAS.yaml", app.EmbeddedRelease)
	emb, err := app.OpenFile(ctx, app.EmbeddedRelease)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := emb.CompleteRelease(ctx, ""); err != nil || r.Version == "" {
		t.Errorf("embedded: %+v, %v", r, err)
	}
}

// TestPreventOnly: under the threat-model rule only prevent links count,
// so every mitigation an answer names as breaking something prevents, and
// more techniques are left uncovered than under ATLAS's literal links.
func TestPreventOnly(t *testing.T) {
	svc, _ := service(t)
	set, err := svc.MinimalSet(ctx, app.SetQuestion{Budget: app.DefaultBudget, PreventOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range set.View().Members {
		if m.Effect != "prevent" {
			t.Errorf("%s (%s) is in the prevent-only set", m.Mitigation.ID, m.Effect)
		}
	}
	literal, err := svc.MinimalSet(ctx, app.SetQuestion{Budget: app.DefaultBudget})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range literal.View().Members {
		if m.Effect == "" {
			t.Errorf("%s has no effect", m.Mitigation.ID)
		}
	}
	lg, err := svc.CoverageGaps(ctx, app.GapsQuestion{})
	if err != nil {
		t.Fatal(err)
	}
	pg, err := svc.CoverageGaps(ctx, app.GapsQuestion{PreventOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if pg.Total <= lg.Total {
		t.Errorf("%d techniques uncovered under prevent-only, %d literally: detection and attacker-side steps should add gaps", pg.Total, lg.Total)
	}
	ch, err := svc.Chain(ctx, app.ChainQuestion{CaseStudy: "AML.CS0000", PreventOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range ch.View().Mitigations {
		if b.Effect != "prevent" {
			t.Errorf("chain breaker %s (%s) under prevent-only", b.Mitigation.ID, b.Effect)
		}
	}
}
