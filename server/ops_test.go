package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/server"
)

func TestOperationsEndpoints(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	if status, body, _ := get(t, url+"/healthz"); status != http.StatusOK || !strings.Contains(body, `"neo4j":"ok"`) {
		t.Errorf("/healthz = %d %s", status, body)
	}
	// Ready once the current release is held: a client polls /readyz.
	waitReady(t, url)
	if status, body, _ := get(t, url+"/readyz"); status != http.StatusOK || !strings.Contains(body, `"release":"2026.05"`) {
		t.Errorf("/readyz = %d %s", status, body)
	}
	status, page, h := get(t, url+"/graphiql")
	if status != http.StatusOK || !strings.Contains(page, "/graphiql/graphiql.min.js") || h.Get("Content-Security-Policy") == "" {
		t.Errorf("/graphiql = %d (CSP %q):\n%.300s", status, h.Get("Content-Security-Policy"), page)
	}
	for _, asset := range []string{"graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js", "init.js", "LICENSE.graphiql"} {
		if status, body, _ := get(t, url+"/graphiql/"+asset); status != http.StatusOK || len(body) == 0 {
			t.Errorf("/graphiql/%s = %d, %d bytes", asset, status, len(body))
		}
	}
	data(t, url, `{ releases { version } }`, &map[string]any{})
	file, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(file))
	_, metrics, _ := get(t, url+"/metrics")
	for _, want := range []string{`atlasgraph_http_requests_total{method="POST",route="/graphql",status="200"}`, "atlasgraph_http_request_duration_seconds_bucket",
		`atlasgraph_graphql_errors_total{code="INTERNAL"} 0`, "atlasgraph_cypher_queries_total", "atlasgraph_neo4j_up 1", "go_goroutines",
		`atlasgraph_build_info{commit=`, `goversion="go`, `atlasgraph_release_info{sha256="` + sum[:12] + `",version="2026.05"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestMissesAnswerJSON(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	cases := []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{http.MethodGet, "/nope", http.StatusNotFound, server.CodeNotFound, ""},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed, server.CodeBadInput, "GET, HEAD"},
		{http.MethodDelete, "/metrics", http.StatusMethodNotAllowed, server.CodeBadInput, "GET, HEAD"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, url+c.path, nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var r response
			r.status, r.header = res.StatusCode, res.Header
			r.raw, _ = io.ReadAll(res.Body)
			if err := json.Unmarshal(r.raw, &r); err != nil {
				t.Fatalf("not JSON (%s): %s", res.Header.Get("Content-Type"), r.raw)
			}
			checkError(t, r, c.status, c.code)
			if got := res.Header.Get("Allow"); got != c.allow {
				t.Errorf("Allow = %q, want %q", got, c.allow)
			}
		})
	}
	if n := metric(t, url, `atlasgraph_http_requests_total{method="POST",route="unmatched",status="405"}`); n != 1 {
		t.Errorf("POST /healthz counted %v times under its method, want 1", n)
	}
}

func TestGracefulShutdown(t *testing.T) {
	e := setup(t)
	s, err := server.New(testConfig(t, e.store, server.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String()
	data(t, url, `{ releases { version } }`, &map[string]any{})
	cancel() // what SIGTERM does through main's context
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel: %v, want nil", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("still answering after shutdown")
	}
}

func TestPaginationAndFilters(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	// Walk every page; the ids must be every technique once, sorted.
	var seen []string
	after := ""
	for page := 0; ; page++ {
		var got struct {
			TechniquesConnection struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage bool
					EndCursor   *string
				}
				Edges []struct {
					Cursor string
					Node   idOnly
				}
			}
		}
		q := `query($after: String) { techniquesConnection(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }`
		r := post(t, url, q, map[string]any{"after": after})
		if len(r.Errors) > 0 {
			t.Fatalf("page %d: %s", page, r.raw)
		}
		if err := json.Unmarshal(r.Data, &got); err != nil {
			t.Fatal(err)
		}
		c := got.TechniquesConnection
		if c.TotalCount != len(e.raw.Techniques) {
			t.Errorf("totalCount = %d, want %d", c.TotalCount, len(e.raw.Techniques))
		}
		for _, edge := range c.Edges {
			seen = append(seen, edge.Node.ID)
		}
		if !c.PageInfo.HasNextPage {
			break
		}
		after = *c.PageInfo.EndCursor
		if page > 10 {
			t.Fatal("pagination does not end")
		}
	}
	var all []string
	for id := range e.raw.Techniques {
		all = append(all, id)
	}
	if strings.Join(seen, ",") != strings.Join(sorted(all), ",") {
		t.Errorf("pages gave %d ids, want every technique once in id order", len(seen))
	}

	// Filters, each checked against the file.
	count := func(filter string) int {
		var got struct{ Techniques []idOnly }
		data(t, url, `{ techniques(filter: `+filter+`) { id } }`, &got)
		return len(got.Techniques)
	}
	raw := e.raw
	byTactic, mitigated, realized, subs := 0, map[string]bool{}, 0, len(raw.Parent)
	for k := range raw.Achieves {
		if k[1] == "AML.TA0005" {
			byTactic++
		}
	}
	for k := range raw.Mitigates {
		mitigated[k[1]] = true
	}
	for _, m := range raw.Maturity {
		if m == "Realized" {
			realized++
		}
	}
	checks := []struct {
		filter string
		want   int
	}{
		{`{tactic: "AML.TA0005"}`, byTactic},
		{`{hasMitigation: true}`, len(mitigated)},
		{`{hasMitigation: false}`, len(raw.Techniques) - len(mitigated)},
		{`{maturity: "Realized"}`, realized},
		{`{isSubtechnique: true}`, subs},
	}
	for _, c := range checks {
		if got := count(c.filter); got != c.want || c.want == 0 {
			t.Errorf("techniques(filter: %s): %d, want %d (from the file)", c.filter, got, c.want)
		}
	}
	// Full-text search: every hit mentions the word, and the syntax is
	// escaped (a Lucene operator is just text).
	var hits struct {
		Search []struct {
			Kind, ID, Name string
		}
	}
	data(t, url, `{ search(text: "prompt injection", first: 5) { kind id name } }`, &hits)
	if len(hits.Search) == 0 || hits.Search[0].ID == "" {
		t.Errorf("search found nothing: %+v", hits)
	}
	data(t, url, `{ techniques(filter: {search: "prompt) OR title:(x*"}) { id } }`, &map[string]any{})
	var diff struct{ ReleaseDiff struct{ Empty bool } }
	data(t, url, `{ releaseDiff(from: "2026.05", to: "2026.05") { empty } }`, &diff)
	if !diff.ReleaseDiff.Empty {
		t.Error("a release differs from itself")
	}
}

// TestNeo4jRestart stops the test Neo4j (only the test instance, never the
// server `make run` uses: see neo4jtest). Questions about the release the
// server holds are still answered and /readyz stays ready; /healthz says
// Neo4j is unreachable, and what needs Neo4j (search) fails fast with
// UNAVAILABLE. Then it starts Neo4j again and checks that the same server
// recovers.
func TestNeo4jRestart(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{RetryInterval: 200 * time.Millisecond})
	waitReady(t, url)
	data(t, url, `{ releases { version } technique(id: "AML.T0051") { id } }`, &map[string]any{})

	neo4jtest.StopServer(t)
	started := false
	t.Cleanup(func() {
		if !started {
			neo4jtest.StartServer(t)
		}
	})
	var held struct {
		Technique struct{ Tactics []struct{ ID string } }
	}
	data(t, url, `{ technique(id: "AML.T0051") { id tactics { id } } }`, &held)
	if len(held.Technique.Tactics) == 0 {
		t.Errorf("the held release answered without tactics while Neo4j is down")
	}
	for i := range 3 {
		r := post(t, url, `{ search(text: "prompt injection") { id } }`, nil)
		checkError(t, r, r.status, server.CodeUnavailable)
		if i > 0 && r.status != http.StatusServiceUnavailable && r.status != http.StatusOK {
			t.Errorf("status %d", r.status)
		}
	}
	if status, body, _ := get(t, url+"/readyz"); status != http.StatusOK {
		t.Errorf("/readyz while Neo4j is down but the release is held = %d %s, want 200", status, body)
	}
	if status, body, _ := get(t, url+"/healthz"); status != http.StatusOK || !strings.Contains(body, `"neo4j":"unreachable"`) {
		t.Errorf("/healthz while Neo4j is down = %d %s", status, body)
	}

	neo4jtest.StartServer(t)
	started = true
	var last response
	for range 120 { // bounded: at most about a minute once Neo4j is up
		last = post(t, url, `{ search(text: "prompt injection") { id } }`, nil)
		if len(last.Errors) == 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(last.Errors) > 0 {
		t.Fatalf("the server did not recover after Neo4j came back: %s", last.raw)
	}
	// Once Neo4j is back the server re-reads in the background what the
	// outage left unread (the actor directory, a release's analysis input),
	// so readiness may lag the first answer by that read; bounded.
	status, body := 0, ""
	for range 120 {
		if status, body, _ = get(t, url+"/readyz"); status == http.StatusOK {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if status != http.StatusOK {
		t.Errorf("/readyz a minute after recovery = %d %s", status, body)
	}
}
