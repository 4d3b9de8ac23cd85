package mcp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/auth"
	"github.com/atlasgraph/atlasgraph/mcp"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/view"
)

var readTools = []string{"actor_techniques", "attack_paths", "chain_mitigations", "choke_points", "coverage_gaps", "evaluate_threat_model",
	"minimal_mitigation_set", "release_diff", "search", "show", "validate_mapping"}

func toolNames(t *testing.T, cs *sdk.ClientSession) []string {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		in, _ := tool.InputSchema.(map[string]any)
		out, _ := tool.OutputSchema.(map[string]any)
		if in["type"] != "object" || out["type"] != "object" || tool.Description == "" {
			t.Errorf("tool %s: want an object input and output schema and a description; got %v, %v", tool.Name, in["type"], out["type"])
		}
		if props, _ := out["properties"].(map[string]any); props["release"] == nil || props["evidence"] == nil {
			t.Errorf("tool %s: the output schema has no release or evidence", tool.Name)
		}
	}
	slices.Sort(names)
	return names
}

// everyTool asks every read tool one real question and checks the answers
// against the application layer asked directly.
func everyTool(t *testing.T, e *env, cs *sdk.ClientSession) {
	ctx := context.Background()
	if got := toolNames(t, cs); !slices.Equal(got, readTools) {
		t.Errorf("tools = %v, want %v (no write tools)", got, readTools)
	}

	a := call(t, cs, "search", map[string]any{"text": "prompt injection"})
	if got := ids(a.data["hits"]); !slices.Contains(got, "AML.T0051") {
		t.Errorf("search prompt injection: hits %v, want AML.T0051 among them", got)
	}
	if rel := a.data["release"].(map[string]any); rel["version"] != e.version {
		t.Errorf("search: release %v, want the current %s", rel["version"], e.version)
	}

	a = call(t, cs, "show", map[string]any{"id": "aml.t0051"})
	if obj := a.data["object"].(map[string]any); obj["id"] != "AML.T0051" || obj["kind"] != "TECHNIQUE" {
		t.Errorf("show aml.t0051: %v %v", obj["kind"], obj["id"])
	}
	a = call(t, cs, "show", map[string]any{"id": "AML.T0051", "release": e.older})
	if rel := a.data["release"].(map[string]any); rel["version"] != e.older {
		t.Errorf("show in %s: release %v", e.older, rel["version"])
	}

	chain, err := e.svc.Chain(ctx, app.ChainQuestion{CaseStudy: "AML.CS0000"})
	if err != nil {
		t.Fatal(err)
	}
	a = call(t, cs, "chain_mitigations", map[string]any{"caseStudy": "AML.CS0000"})
	if !jsonEqual(a.data["chain"], asJSON(t, chain.View())) {
		t.Errorf("chain_mitigations AML.CS0000 differs from app.Chain's answer")
	}
	if len(ids(a.data["chain"].(map[string]any)["mitigations"])) == 0 {
		t.Errorf("chain of AML.CS0000 names no breaking mitigation")
	}

	a = call(t, cs, "minimal_mitigation_set", map[string]any{"costs": map[string]any{"AML.M0015": 3}})
	set := a.data["set"].(map[string]any)
	if len(ids(set["mitigations"])) == 0 || len(a.data["evidence"].([]any)) == 0 {
		t.Errorf("minimal set: no mitigations or no evidence: %v", set["mitigations"])
	}

	a = call(t, cs, "attack_paths", map[string]any{"from": "Reconnaissance", "to": "Impact", "limit": 5})
	paths := a.data["paths"].(map[string]any)
	if n := len(paths["paths"].([]any)); n == 0 || n > 5 {
		t.Errorf("attack paths Reconnaissance to Impact, limit 5: %d paths", n)
	}

	a = call(t, cs, "choke_points", map[string]any{"limit": 3, "paths": 5})
	if n := len(a.data["chokePoints"].(map[string]any)["techniques"].([]any)); n == 0 || n > 3 {
		t.Errorf("choke points limit 3: %d techniques", n)
	}

	gaps, err := e.svc.CoverageGaps(ctx, app.GapsQuestion{Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	a = call(t, cs, "coverage_gaps", map[string]any{"limit": 4})
	if !jsonEqual(a.data["gaps"], asJSON(t, gaps.View())) {
		t.Errorf("coverage_gaps differs from app.CoverageGaps")
	}

	actors, err := e.svc.ActorList(ctx, "", "", view.ActorFilter{})
	if err != nil || len(actors) == 0 {
		t.Fatalf("no actors to ask about: %v", err)
	}
	actor := actors[0]
	a = call(t, cs, "actor_techniques", map[string]any{"actor": strings.ToUpper(actor.Name)})
	got := a.data["actors"].([]any)
	if len(got) == 0 || got[0].(map[string]any)["id"] != actor.ID {
		t.Fatalf("actor_techniques %q: %v, want %s", actor.Name, got, actor.ID)
	}
	if len(got[0].(map[string]any)["techniques"].([]any)) == 0 || len(a.data["evidence"].([]any)) == 0 {
		t.Errorf("actor_techniques %q: no techniques or no evidence", actor.Name)
	}

	// Actors by every alias: an ATT&CK group by one of its other names,
	// with the ATT&CK relationships as evidence.
	a = call(t, cs, "show", map[string]any{"id": "fancy bear"})
	if obj := a.data["object"].(map[string]any); obj["kind"] != "ACTOR" || obj["name"] != "APT28" {
		t.Errorf("show fancy bear: %v %v, want the actor APT28", obj["kind"], obj["name"])
	}
	a = call(t, cs, "actor_techniques", map[string]any{"actor": "Forest Blizzard"})
	apt28 := a.data["actors"].([]any)[0].(map[string]any)
	viaAttack := 0
	for _, x := range apt28["techniques"].([]any) {
		tech := x.(map[string]any)
		if slices.Contains(tech["via"].([]any), any("ATTACK")) && len(tech["attackEvidence"].([]any)) > 0 {
			viaAttack++
		}
	}
	if apt28["name"] != "APT28" || viaAttack == 0 || !strings.Contains(strings.Join(anyStrings(a.data["evidence"]), "\n"), "ATT&CK") {
		t.Errorf("actor_techniques Forest Blizzard: %v with %d techniques known through ATT&CK", apt28["name"], viaAttack)
	}

	tmpl, err := app.ModelTemplate("rag-chatbot")
	if err != nil {
		t.Fatal(err)
	}
	a = call(t, cs, "evaluate_threat_model", map[string]any{"model": string(tmpl)})
	rep := a.data["report"].(map[string]any)
	if len(rep["applicableTechniques"].([]any)) == 0 {
		t.Errorf("rag-chatbot: no applicable techniques")
	}
	if len(a.texts) != 2 || !strings.HasPrefix(a.texts[1], "#") || !strings.Contains(a.texts[1], "AML.T") {
		t.Errorf("evaluate_threat_model: want the markdown report as a second text block; got %d blocks", len(a.texts))
	}

	a = call(t, cs, "release_diff", map[string]any{"from": e.older, "to": e.version})
	if a.data["release"].(map[string]any)["version"] != e.version || a.data["from"].(map[string]any)["version"] != e.older {
		t.Errorf("release_diff: release %v from %v", a.data["release"], a.data["from"])
	}

	tech, err := e.svc.Technique(ctx, "", "AML.T0051")
	if err != nil {
		t.Fatal(err)
	}
	csv := "id,name\n" + tech.ID + "," + tech.Name + "\nAML.T9999,No such technique\n"
	a = call(t, cs, "validate_mapping", map[string]any{"mapping": csv})
	if r := a.data["report"].(map[string]any); r["errors"].(float64) < 1 {
		t.Errorf("validate_mapping: an unknown id is not an error: %v", r)
	}

	// Refusals: the app's codes, as tool errors.
	if code, msg := toolError(t, cs, "show", map[string]any{"id": "AML.T9999"}); code != "NOT_FOUND" || !strings.Contains(msg, "AML.T9999") {
		t.Errorf("show AML.T9999: %s: %s", code, msg)
	}
	if code, _ := toolError(t, cs, "chain_mitigations", map[string]any{"caseStudy": "AML.CS9999"}); code != "NOT_FOUND" {
		t.Errorf("chain of AML.CS9999: %s", code)
	}
	if code, msg := toolError(t, cs, "attack_paths", map[string]any{"from": "Reconnaissance", "to": "Impact", "maxHops": 9}); code != "BAD_INPUT" ||
		!strings.Contains(msg, "8") {
		t.Errorf("maxHops 9 (the limit is 8): %s: %s", code, msg)
	}
	if code, _ := toolError(t, cs, "minimal_mitigation_set", map[string]any{"budget": app.MaxBudget + 1}); code != "BAD_INPUT" {
		t.Errorf("budget over the limit: %s", code)
	}
	if code, _ := toolError(t, cs, "search", map[string]any{"text": "x", "limit": 1000}); code != "BAD_INPUT" {
		t.Errorf("search limit 1000: %s", code)
	}
	if code, msg := toolError(t, cs, "search", map[string]any{"text": "x", "colour": "red"}); code != "BAD_INPUT" || !strings.Contains(msg, "colour") {
		t.Errorf("unknown argument: %s: %s", code, msg)
	}
	if code, _ := toolError(t, cs, "search", map[string]any{"text": 3}); code != "BAD_INPUT" {
		t.Errorf("text of the wrong type: %s", code)
	}
	if code, msg := toolError(t, cs, "evaluate_threat_model", map[string]any{"model": "name: x\ncomponents: [{id: a, kind: nonsense}]\n"}); code != "BAD_INPUT" ||
		!strings.Contains(msg, "nonsense") {
		t.Errorf("bad model: %s: %s", code, msg)
	}

	// Resources and prompts.
	rs, err := cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: "atlas://release/current/technique/AML.T0051"})
	if err != nil || len(rs.Contents) != 1 || !strings.Contains(rs.Contents[0].Text, `"id":"AML.T0051"`) || !strings.Contains(rs.Contents[0].Text, e.version) {
		t.Errorf("technique resource: %v %v", err, rs)
	}
	rs, err = cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: "atlas://release/" + e.version + "/case-study/AML.CS0000"})
	if err != nil || !strings.Contains(rs.Contents[0].Text, `"kind":"CASE_STUDY"`) {
		t.Errorf("case study resource: %v", err)
	}
	if _, err = cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: "atlas://release/current/technique/AML.M0015"}); err == nil {
		t.Errorf("a mitigation read as a technique resource: want not found")
	}
	rs, err = cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: "atlas://templates/rag-chatbot"})
	if err != nil || rs.Contents[0].Text != string(tmpl) {
		t.Errorf("template resource: %v", err)
	}
	rs, err = cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: "atlas://releases"})
	if err != nil || !strings.Contains(rs.Contents[0].Text, e.older) || !strings.Contains(rs.Contents[0].Text, "sha256") {
		t.Errorf("releases resource: %v", err)
	}
	tl, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(tl.ResourceTemplates) < 6 {
		t.Errorf("resource templates: %v, %d", err, len(tl.ResourceTemplates))
	}
	p, err := cs.GetPrompt(ctx, &sdk.GetPromptParams{Name: "explain_case_study", Arguments: map[string]string{"caseStudy": "AML.CS0000"}})
	if err != nil || !strings.Contains(p.Messages[0].Content.(*sdk.TextContent).Text, "AML.CS0000") {
		t.Errorf("explain_case_study prompt: %v", err)
	}
	p, err = cs.GetPrompt(ctx, &sdk.GetPromptParams{Name: "threat_model_my_ai_system", Arguments: map[string]string{"template": "agent-with-tools"}})
	if err != nil || !strings.Contains(p.Messages[0].Content.(*sdk.TextContent).Text, "evaluate_threat_model") {
		t.Errorf("threat-model prompt: %v", err)
	}
}

// TestStdio drives the built binary over stdio with the SDK's client:
// every tool, refusals, resources, prompts; nothing but the protocol on
// stdout (the client would fail on anything else).
func TestStdio(t *testing.T) {
	e := setup(t)
	var stderr syncBuffer
	cs := e.stdioSession(t, &stderr)
	everyTool(t, e, cs)
	if strings.Contains(stderr.String(), e.cfg.Password) {
		t.Errorf("the password appears in the log")
	}
}

// TestStdioCancel cancels a question whose release is not held yet (the
// older one: a fresh process holds only the current release), so it must
// first be read from Neo4j and indexed: the client gets its context's
// error at once, the server's call stops (its log says the call ended
// CANCELED, not with an answer), and the session keeps answering.
func TestStdioCancel(t *testing.T) {
	e := setup(t)
	var stderr syncBuffer
	cs := e.stdioSession(t, &stderr)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "minimal_mitigation_set",
		Arguments: map[string]any{"release": e.older, "budget": app.MaxBudget, "alternatives": 100}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v, want context.Canceled", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "code=CANCELED") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "tool=minimal_mitigation_set code=CANCELED") {
		t.Errorf("the server did not stop the call on cancellation; its log:\n%s", stderr.String())
	}
	call(t, cs, "show", map[string]any{"id": "AML.CS0000"})
}

// TestStdioWrites: the write tools exist over stdio only with
// --allow-writes; a model saved there is a resource, and deleted.
func TestStdioWrites(t *testing.T) {
	e := setup(t)
	var stderr syncBuffer
	cs := e.stdioSession(t, &stderr, "--allow-writes")
	names := toolNames(t, cs)
	if !slices.Contains(names, "save_threat_model") || !slices.Contains(names, "delete_threat_model") {
		t.Fatalf("--allow-writes: tools %v", names)
	}
	writeModel(t, cs, "stdio-model")
}

func writeModel(t *testing.T, cs *sdk.ClientSession, id string) {
	t.Helper()
	tmpl, _ := app.ModelTemplate("rag-chatbot")
	a := call(t, cs, "save_threat_model", map[string]any{"id": id, "model": string(tmpl)})
	version := a.data["version"].(float64)
	if code, _ := toolError(t, cs, "save_threat_model", map[string]any{"id": id, "model": string(tmpl)}); code != "CONFLICT" {
		t.Errorf("saving %s twice: %s, want CONFLICT", id, code)
	}
	a = call(t, cs, "save_threat_model", map[string]any{"id": id, "model": string(tmpl), "version": version})
	if a.data["version"].(float64) != version+1 {
		t.Errorf("replace: version %v, want %v", a.data["version"], version+1)
	}
	rs, err := cs.ReadResource(context.Background(), &sdk.ReadResourceParams{URI: "atlas://threat-models/" + id})
	if err != nil || !strings.Contains(rs.Contents[0].Text, `"id":"`+id+`"`) {
		t.Errorf("stored model resource: %v", err)
	}
	if code, _ := toolError(t, cs, "delete_threat_model", map[string]any{"id": id, "version": version}); code != "CONFLICT" {
		t.Errorf("delete with a stale version: %s, want CONFLICT", code)
	}
	call(t, cs, "delete_threat_model", map[string]any{"id": id, "version": version + 1})
	if _, err := cs.ReadResource(context.Background(), &sdk.ReadResourceParams{URI: "atlas://threat-models/" + id}); err == nil {
		t.Errorf("a deleted model is still a resource")
	}
}

// bearer adds a token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// TestHTTP serves /mcp beside GraphQL in a real server (serve --mcp's
// wiring) and asks over Streamable HTTP: every tool, and the write tools
// for an editor's token only.
func TestHTTP(t *testing.T) {
	e := setup(t)
	policy, err := auth.Parse("test", auth.Digest("ed-token")+" editor ed\n"+auth.Digest("rd-token")+" reader rd\n", true)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(context.Background(), e.store, app.Config{Serving: true, ThreatModels: true})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{App: svc, Auth: policy,
		Timeouts: server.Timeouts{Transaction: 50 * time.Second, Request: 60 * time.Second, Write: 70 * time.Second},
		Extra:    map[string]http.Handler{"/mcp": mcp.Handler(svc, mcp.Options{Timeout: 60 * time.Second, Auth: policy})}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	connect := func(token string) *sdk.ClientSession {
		hc := &http.Client{Transport: http.DefaultTransport}
		if token != "" {
			hc.Transport = bearer{token, http.DefaultTransport}
		}
		client := sdk.NewClient(&sdk.Implementation{Name: "atlasgraph-test", Version: "1"}, nil)
		cs, err := client.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: ts.URL + "/mcp", HTTPClient: hc}, nil)
		if err != nil {
			t.Fatalf("connect over HTTP: %v", err)
		}
		t.Cleanup(func() { cs.Close() })
		return cs
	}
	everyTool(t, e, connect(""))
	if names := toolNames(t, connect("rd-token")); slices.Contains(names, "save_threat_model") {
		t.Errorf("a reader's session has the write tools")
	}
	ed := connect("ed-token")
	writeModel(t, ed, "http-model")
	// The editor's session is bound to the editor's token: its id alone
	// does not open the write tools to anyone else.
	list := `{"jsonrpc":"2.0","id":9,"method":"tools/list"}`
	for _, token := range []string{"", "rd-token"} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/mcp", strings.NewReader(list))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Session-Id", ed.ID())
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("the editor's session used with token %q: status %d, want 403", token, resp.StatusCode)
		}
	}

	// GraphQL still answers beside it, and request ids reach /mcp.
	resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ __typename }"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GraphQL beside /mcp: %v %v", err, resp)
	}
	resp.Body.Close()
	// No standalone stream; an unknown token is refused.
	get, _ := http.NewRequest(http.MethodGet, ts.URL+"/mcp", nil)
	get.Header.Set("Accept", "text/event-stream")
	if resp, err := http.DefaultClient.Do(get); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /mcp: %v %v, want 405", err, resp)
	} else {
		resp.Body.Close()
	}
	bad := sdk.NewClient(&sdk.Implementation{Name: "atlasgraph-test", Version: "1"}, nil)
	if _, err := bad.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: ts.URL + "/mcp",
		HTTPClient: &http.Client{Transport: bearer{"no-such-token", http.DefaultTransport}}}, nil); err == nil {
		t.Errorf("a session opened with an unknown token")
	}
	// A body over the limit is refused before the SDK reads it.
	big := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"text":"` + strings.Repeat("a", mcp.MaxMessageBytes) + `"}}}`
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/mcp", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("a body over %d bytes: status %d, request id %q", mcp.MaxMessageBytes, resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
}

// TestStdioDeadline gives each call 1ms: a question that takes longer ends
// with a tool error (TIMEOUT, or UNAVAILABLE while its release is still
// being read into memory) whose message is a fixed sentence, not the cause.
func TestStdioDeadline(t *testing.T) {
	e := setup(t)
	var stderr syncBuffer
	cs := e.stdioSession(t, &stderr, "--timeout", "1ms")
	code, msg := toolError(t, cs, "attack_paths", map[string]any{"from": "Reconnaissance", "to": "Impact", "maxHops": 8, "limit": 500})
	switch code {
	case "TIMEOUT":
		if !strings.Contains(msg, "ask for less") {
			t.Errorf("TIMEOUT: %s", msg)
		}
	case "UNAVAILABLE":
		if msg != "the release cannot be read right now (the database is away, or the release is still being read into memory); try again in a moment" {
			t.Errorf("UNAVAILABLE shows its cause: %s", msg)
		}
	default:
		t.Errorf("a call over its deadline: %s: %s", code, msg)
	}
}

func anyStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// TestServeFlag runs `atlasgraph serve --mcp` and asks over HTTP at /mcp:
// the command's own wiring (one app for GraphQL and MCP, the route, the
// middleware).
func TestServeFlag(t *testing.T) {
	e := setup(t)
	var stderr syncBuffer
	cmd := exec.Command(e.binary, "serve", "--mcp", "--addr", "127.0.0.1:0", "--upstream-check=false")
	cmd.Env = e.neo4jEnv()
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	addr := regexp.MustCompile(`msg=serving addr=(\S+)`)
	var m []string
	for deadline := time.Now().Add(60 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		m = addr.FindStringSubmatch(stderr.String())
	}
	if m == nil {
		t.Fatalf("atlasgraph serve --mcp did not start:\n%s", stderr.String())
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "atlasgraph-test", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: "http://" + m[1] + "/mcp"}, nil)
	if err != nil {
		t.Fatalf("connect to serve --mcp: %v\n%s", err, stderr.String())
	}
	defer cs.Close()
	a := call(t, cs, "search", map[string]any{"text": "prompt injection"})
	if !slices.Contains(ids(a.data["hits"]), "AML.T0051") {
		t.Errorf("serve --mcp: search prompt injection: %v", ids(a.data["hits"]))
	}
	if got := toolNames(t, cs); !slices.Equal(got, readTools) {
		t.Errorf("serve --mcp without tokens: tools %v", got)
	}
}
