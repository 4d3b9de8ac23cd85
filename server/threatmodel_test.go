package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/auth"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

const (
	editorToken = "editor-token-for-tests"
	readerToken = "reader-token-for-tests"
)

// tmServer starts a server with the threat-model API, an editor and a
// reader token, and deletes the stored models when the test ends.
func tmServer(t *testing.T, readsOpen bool) (string, *store.Store) {
	t.Helper()
	e := setup(t)
	policy, err := auth.Parse("test", auth.Digest(editorToken)+" editor ed\n"+auth.Digest(readerToken)+" reader rd\n", readsOpen)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.EnsureThreatModelSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
	// These tests are about access and validation, not latency: the first
	// request builds the release's analysis input, which on a cold Neo4j
	// (just after TestNeo4jRestart) and a busy machine can take seconds.
	timeouts := server.DefaultTimeouts()
	timeouts.Transaction, timeouts.Request, timeouts.Write = 30*time.Second, 45*time.Second, 60*time.Second
	_, url := newServer(t, e.store, server.Config{Auth: policy, Timeouts: timeouts}, app.Config{ThreatModels: true})
	t.Cleanup(func() {
		ctx := context.Background()
		ids, _ := e.store.ListModels(ctx, 1000)
		for _, id := range ids {
			if _, v, err := e.store.GetModel(ctx, id); err == nil {
				e.store.DeleteModel(ctx, id, v)
			}
		}
	})
	return url, e.store
}

func postTM(t *testing.T, url, token, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: b}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("answer is not JSON (%d): %s", res.StatusCode, b)
	}
	return r
}

func template(t *testing.T, name string) string {
	t.Helper()
	b, err := threatmodel.Template(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const importQ = `mutation($id: ID!, $yaml: String!) { importThreatModel(id: $id, yaml: $yaml) { id version components { id } } }`

// snapshot is everything stored, read back through the API.
func snapshot(t *testing.T, url string) string {
	t.Helper()
	r := postTM(t, url, editorToken, `{ threatModels { id version name atlasRelease components { id kind properties { name value } } flows { id from to trustBoundary } controls { id mitigation status scope } acceptedRisks { technique expires } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("list: %s", r.raw)
	}
	return string(r.Data)
}

// TestThreatModelWritesNeedAnEditor proves that a write without a token,
// with a wrong one or with a reader's changes nothing.
func TestThreatModelWritesNeedAnEditor(t *testing.T) {
	url, _ := tmServer(t, true)
	if r := postTM(t, url, editorToken, importQ, map[string]any{"id": "rag", "yaml": template(t, "rag-chatbot")}); len(r.Errors) > 0 {
		t.Fatalf("editor import: %s", r.raw)
	}
	before := snapshot(t, url)
	writes := []struct {
		query string
		vars  map[string]any
	}{
		{importQ, map[string]any{"id": "other", "yaml": template(t, "fraud-classifier")}},
		{`mutation { addComponent(model: "rag", version: 1, component: {id: "x", kind: "chat-ui"}) { version } }`, nil},
		{`mutation { addControl(model: "rag", version: 1, control: {mitigation: "AML.M0004", status: "implemented"}) { version } }`, nil},
		{`mutation { updateThreatModel(id: "rag", version: 1, name: "renamed") { version } }`, nil},
		{`mutation { deleteFlow(model: "rag", version: 1, id: "ingestion->vectors") { version } }`, nil},
		{`mutation { deleteThreatModel(id: "rag", version: 1) }`, nil},
	}
	for _, who := range []struct{ token, code string }{{"", server.CodeUnauthenticated}, {"not-a-token", server.CodeUnauthenticated}, {readerToken, server.CodeForbidden}} {
		for _, w := range writes {
			r := postTM(t, url, who.token, w.query, w.vars)
			if len(r.Errors) != 1 || r.Errors[0].code() != who.code {
				t.Errorf("token %q, %.50s: %s, want %s", who.token, w.query, r.raw, who.code)
			}
			if strings.Contains(string(r.raw), who.token) && who.token != "" {
				t.Errorf("the answer repeats the token: %s", r.raw)
			}
		}
	}
	if after := snapshot(t, url); after != before {
		t.Errorf("refused writes changed the store:\nbefore %s\nafter  %s", before, after)
	}
	// The reader may read.
	if r := postTM(t, url, readerToken, `{ threatModel(id: "rag") { version } }`, nil); len(r.Errors) > 0 {
		t.Errorf("reader read: %s", r.raw)
	}
	// Closed reads need a token.
	closed, _ := tmServer(t, false)
	if r := postTM(t, closed, "", `{ threatModels { id } }`, nil); len(r.Errors) != 1 || r.Errors[0].code() != server.CodeUnauthenticated {
		t.Errorf("closed read without a token: %s", r.raw)
	}
	if r := postTM(t, closed, readerToken, `{ threatModels { id } }`, nil); len(r.Errors) > 0 {
		t.Errorf("closed read with a reader's token: %s", r.raw)
	}
}

// TestThreatModelBadInputPersistsNothing sends each kind of bad input and
// checks the error names the problem and its place, and nothing is stored.
func TestThreatModelBadInputPersistsNothing(t *testing.T) {
	url, _ := tmServer(t, true)
	if r := postTM(t, url, editorToken, importQ, map[string]any{"id": "rag", "yaml": template(t, "rag-chatbot")}); len(r.Errors) > 0 {
		t.Fatalf("import: %s", r.raw)
	}
	before := snapshot(t, url)
	tpl := template(t, "rag-chatbot")
	tests := []struct {
		name, query string
		vars        map[string]any
		code, want  string
	}{
		{"unknown kind", importQ, map[string]any{"id": "b1", "yaml": strings.Replace(tpl, "kind: vector-store", "kind: toaster", 1)}, server.CodeBadInput, `unknown kind "toaster"`},
		{"unknown property", importQ, map[string]any{"id": "b2", "yaml": strings.Replace(tpl, "handlesSensitiveData: true", "sparkly: true", 1)}, server.CodeBadInput, `unknown property "sparkly"`},
		{"unknown mitigation", importQ, map[string]any{"id": "b3", "yaml": strings.Replace(tpl, "AML.M0020", "AML.M9999", 1)}, server.CodeBadInput, "has no such mitigation"},
		{"unknown technique", importQ, map[string]any{"id": "b4", "yaml": strings.Replace(tpl, "technique: AML.T0034", "technique: AML.T9999", 1)}, server.CodeBadInput, "has no such technique"},
		{"flow to a missing component", importQ, map[string]any{"id": "b5", "yaml": strings.Replace(tpl, "to: vectors, data: chunks", "to: nowhere, data: chunks", 1)}, server.CodeBadInput, `flow to "nowhere"`},
		{"duplicate component", importQ, map[string]any{"id": "b6", "yaml": strings.Replace(tpl, "id: retriever", "id: vectors", 1)}, server.CodeBadInput, `component "vectors" is declared twice`},
		{"malformed YAML", importQ, map[string]any{"id": "b7", "yaml": "components: [\n"}, server.CodeBadInput, "invalid YAML"},
		// A model file above the model limit (4 MiB) fits the body limit of a
		// request carrying a model (server/limits.go): the model's own check
		// refuses it.
		{"oversized", importQ, map[string]any{"id": "b8", "yaml": strings.Repeat("#", 4<<20+1)}, server.CodeBadInput, "more than the limit"},
		{"taken id", importQ, map[string]any{"id": "rag", "yaml": tpl}, server.CodeConflict, "already stored"},
		{"stale version", `mutation { addComponent(model: "rag", version: 7, component: {id: "x", kind: "chat-ui"}) { version } }`, nil, server.CodeConflict, "not 7"},
		{"unknown kind in a change", `mutation { addComponent(model: "rag", version: 1, component: {id: "x", kind: "toaster"}) { version } }`, nil, server.CodeBadInput, `unknown kind "toaster"`},
		{"flow to a missing component in a change", `mutation { addFlow(model: "rag", version: 1, flow: {from: "llm", to: "ghost"}) { version } }`, nil, server.CodeBadInput, `flow to "ghost"`},
		{"unknown mitigation in a change", `mutation { addControl(model: "rag", version: 1, control: {mitigation: "AML.M9999", status: "implemented"}) { version } }`, nil, server.CodeBadInput, "has no such mitigation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := postTM(t, url, editorToken, tc.query, tc.vars)
			if len(r.Errors) == 0 {
				t.Fatalf("accepted: %s", r.raw)
			}
			if r.Errors[0].code() != tc.code || !strings.Contains(r.Errors[0].Message, tc.want) {
				t.Errorf("got %s %q, want %s containing %q", r.Errors[0].code(), r.Errors[0].Message, tc.code, tc.want)
			}
		})
	}
	// The line of the culprit is named.
	r := postTM(t, url, editorToken, importQ, map[string]any{"id": "b9", "yaml": "components:\n  - id: a\n    kind: toaster\n"})
	if len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "yaml:3:11:") {
		t.Errorf("no place in %s", r.raw)
	}
	if after := snapshot(t, url); after != before {
		t.Errorf("bad input changed the store:\nbefore %s\nafter  %s", before, after)
	}
}

// TestThreatModelLifecycle creates, changes and deletes through the API,
// checks the report fields against the service computing the same model,
// and shows models survive a release switch and a prune.
func TestThreatModelLifecycle(t *testing.T) {
	url, st := tmServer(t, true)
	ctx := context.Background()
	r := postTM(t, url, editorToken, importQ, map[string]any{"id": "fraud", "yaml": template(t, "fraud-classifier")})
	if len(r.Errors) > 0 {
		t.Fatalf("import: %s", r.raw)
	}
	// The API's report equals the command line's JSON for the same model.
	var got struct {
		ThreatModel struct {
			Version  int
			Rendered string
		}
	}
	q := `{ threatModel(id: "fraud") { version rendered(format: "json") } }`
	data(t, url, q, &got)
	rules, _ := threatmodel.DefaultRules()
	m, err := threatmodel.Parse("fraud", []byte(template(t, "fraud-classifier")), threatmodel.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	svc := &threatmodel.Service{Rules: rules, Releases: storeReleases{st}} // the release read straight from the store, not through app
	rep, err := svc.Report(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := threatmodel.Render(m, rep, "json")
	if got.ThreatModel.Rendered != string(want) {
		t.Errorf("the API's report differs from the service's:\n%.300s\nvs\n%.300s", got.ThreatModel.Rendered, want)
	}
	var fields struct {
		ThreatModel struct {
			Report struct {
				ApplicableTechniques []struct{ ID, Status string }
				Incidents            []struct {
					CaseStudy string
					Broken    bool
				}
				ResidualPaths          []struct{ Techniques []string }
				RecommendedMitigations []struct{ ID string }
			}
		}
	}
	data(t, url, `{ threatModel(id: "fraud") { report { applicableTechniques { id status } incidents { caseStudy broken } residualPaths { techniques } recommendedMitigations { id } } } }`, &fields)
	if len(fields.ThreatModel.Report.ApplicableTechniques) != len(rep.ApplicableTechniques) || len(fields.ThreatModel.Report.Incidents) != len(rep.Incidents) || len(fields.ThreatModel.Report.RecommendedMitigations) != len(rep.RecommendedMitigations) {
		t.Errorf("report fields differ from the service: %+v", fields.ThreatModel.Report)
	}

	// A change with the current version works and bumps it; the old version is stale.
	rec := rep.RecommendedMitigations[0].ID
	r = postTM(t, url, editorToken, `mutation($m: ID!) { addControl(model: "fraud", version: 1, control: {id: "new", mitigation: $m, status: "implemented"}) { version report { summary { mitigated } } } }`, map[string]any{"m": rec})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"version":2`) {
		t.Fatalf("addControl: %s", r.raw)
	}
	r = postTM(t, url, editorToken, `mutation { deleteControl(model: "fraud", version: 1, id: "new") { version } }`, nil)
	if len(r.Errors) == 0 || r.Errors[0].code() != server.CodeConflict {
		t.Errorf("stale delete: %s", r.raw)
	}
	for _, q := range []string{
		`mutation { addComponent(model: "fraud", version: 2, component: {id: "chat", kind: "chat-ui", properties: [{name: "internetFacing", value: "true"}]}) { version } }`,
		`mutation { addFlow(model: "fraud", version: 3, flow: {from: "chat", to: "checkout", trustBoundary: true}) { version } }`,
		`mutation { addAcceptedRisk(model: "fraud", version: 4, risk: {technique: "AML.T0029", owner: "o", reason: "r", expires: "2030-01-01"}) { version } }`,
		`mutation { updateComponent(model: "fraud", version: 5, component: {id: "chat", kind: "chat-ui"}) { version } }`,
		`mutation { deleteComponent(model: "fraud", version: 6, id: "chat") { version flows { id } } }`,
		`mutation { updateThreatModel(id: "fraud", version: 7, name: "Fraud v2") { version name } }`,
	} {
		if r := postTM(t, url, editorToken, q, nil); len(r.Errors) > 0 {
			t.Fatalf("%s: %s", q, r.raw)
		}
	}

	// Models survive switching the current release and pruning one.
	p, _ := rawatlas.Shared("atlas/ATLAS-5.5.0.yaml")
	b, _ := os.ReadFile(p)
	old, _, err := loader.Parse(p, b, loader.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, old, store.LoadOptions{Current: store.CurrentAlways}); err != nil {
		t.Fatal(err)
	}
	var imp struct {
		UpgradeImpact struct {
			From, To                          string
			NowApplicable, NoLongerApplicable []string
		}
	}
	if err := st.SetCurrent(ctx, "2026.05"); err != nil {
		t.Fatal(err)
	}
	data(t, url, `{ upgradeImpact(model: "fraud", toRelease: "5.5.0") { from to nowApplicable noLongerApplicable } }`, &imp)
	// Expected: the techniques applicable on 2026.05 that 5.5.0 lacks.
	rawOld, err := rawatlas.Read(p)
	if err != nil {
		t.Fatal(err)
	}
	var cur struct {
		ThreatModel struct {
			Report struct{ ApplicableTechniques []struct{ ID string } }
		}
	}
	data(t, url, `{ threatModel(id: "fraud") { report { applicableTechniques { id } } } }`, &cur)
	wantGone := []string{}
	for _, a := range cur.ThreatModel.Report.ApplicableTechniques {
		if _, ok := rawOld.Techniques[a.ID]; !ok {
			wantGone = append(wantGone, a.ID)
		}
	}
	slices.Sort(wantGone) // applicable techniques come in rank order, upgradeImpact's lists by id
	if imp.UpgradeImpact.From != "2026.05" || imp.UpgradeImpact.To != "5.5.0" || strings.Join(imp.UpgradeImpact.NoLongerApplicable, ",") != strings.Join(wantGone, ",") || len(wantGone) == 0 {
		t.Errorf("upgradeImpact: %+v, want noLongerApplicable %v", imp.UpgradeImpact, wantGone)
	}
	if _, err := st.Prune(ctx, "5.5.0"); err != nil {
		t.Fatal(err)
	}
	var after struct {
		ThreatModel struct {
			Version int
			Name    string
		}
	}
	data(t, url, `{ threatModel(id: "fraud") { version name } }`, &after)
	if after.ThreatModel.Version != 8 || after.ThreatModel.Name != "Fraud v2" {
		t.Errorf("after switch and prune: %+v", after.ThreatModel)
	}
	if r := postTM(t, url, editorToken, `mutation { deleteThreatModel(id: "fraud", version: 8) }`, nil); len(r.Errors) > 0 {
		t.Fatal(string(r.raw))
	}
	var gone struct{ ThreatModel *struct{ ID string } }
	data(t, url, `{ threatModel(id: "fraud") { id } }`, &gone)
	if gone.ThreatModel != nil {
		t.Error("deleted model still readable")
	}
}

// storeReleases reads releases for the service straight from the store.
type storeReleases struct{ st *store.Store }

func (s storeReleases) ReleaseForModel(ctx context.Context, version string) (*atlas.Release, *analysis.Input, error) {
	rel, err := s.st.Snapshot(ctx, version)
	if err != nil {
		return nil, nil, err
	}
	return rel, analysis.FromRelease(rel), nil
}
