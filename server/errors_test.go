package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	neo4jconfig "github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
)

// checkError asserts that r fails with code, a request id matching the
// X-Request-Id header, and nothing of the database in the message.
func checkError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Errorf("HTTP status %d, want %d: %s", r.status, status, r.raw)
	}
	if len(r.Errors) == 0 {
		t.Fatalf("no error, want %s: %s", code, r.raw)
	}
	if status >= 300 {
		// GraphQL over HTTP: a request error has no data entry at all.
		var entries map[string]json.RawMessage
		if err := json.Unmarshal(r.raw, &entries); err != nil {
			t.Fatalf("answer is not a JSON object: %s", r.raw)
		}
		if _, ok := entries["data"]; ok {
			t.Errorf("a %d answer has a data entry: %s", status, r.raw)
		}
	}
	e := r.Errors[0]
	if e.code() != code {
		t.Errorf("code %q, want %q: %s", e.code(), code, r.raw)
	}
	id, _ := e.Extensions["requestId"].(string)
	if id == "" || id != r.header.Get("X-Request-Id") {
		t.Errorf("requestId %q, X-Request-Id %q: want the same, non-empty", id, r.header.Get("X-Request-Id"))
	}
	for _, leak := range []string{"Neo4j", "Neo.", "MATCH", "RETURN", "goroutine", ".go:", "bolt", "connectivity"} {
		if strings.Contains(e.Message, leak) {
			t.Errorf("message leaks internals (%q): %s", leak, e.Message)
		}
	}
}

func TestLimits(t *testing.T) {
	e := setup(t)
	lim := server.Limits{BodyBytes: 4096, ModelBodyBytes: 8192, LargeBodiesBytes: 8192, ParserTokens: 300, Complexity: 500, ListFactor: 10, Depth: 5, Aliases: 3, RootFields: 4}
	_, url := newServer(t, e.store, server.Config{Limits: lim})
	fields := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(f(i) + " ")
		}
		return b.String()
	}
	cases := []struct {
		name, query string
		status      int
	}{
		{"tokens", "{ release { " + fields(300, func(int) string { return "version" }) + "} }", http.StatusUnprocessableEntity},
		{"complexity", `{ techniques { tactics { techniques { id tactics { id } } } } }`, http.StatusUnprocessableEntity},
		{"depth", `{ caseStudy(id: "AML.CS0000") { steps { leadsTo { leadsTo { leadsTo { stepId } } } } } }`, http.StatusUnprocessableEntity},
		{"aliases", `{ a: releases { version } b: releases { version } c: releases { version } d: releases { version } }`, http.StatusUnprocessableEntity},
		{"root fields", `{ releases { version } release { version } tactics { id } actors { id } techniques { id } }`, http.StatusUnprocessableEntity},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := post(t, url, c.query, nil)
			checkError(t, r, c.status, server.CodeLimitExceeded)
			t.Log(r.Errors[0].Message)
		})
	}
	t.Run("body", func(t *testing.T) {
		q, _ := json.Marshal(map[string]string{"query": "{ releases { version } }" + strings.Repeat(" ", 9000)})
		r := postRaw(t, url+"/graphql", "application/json", q)
		checkError(t, r, http.StatusRequestEntityTooLarge, server.CodeLimitExceeded)
	})
	t.Run("large body within the model limit", func(t *testing.T) {
		q, _ := json.Marshal(map[string]any{"query": "{ releases { version } }", "variables": map[string]any{"unused": strings.Repeat("x", 5000)}})
		if r := postRaw(t, url+"/graphql", "application/json", q); r.status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("a %d-byte body under the model limit: HTTP %d %s", len(q), r.status, r.raw)
		}
	})
	t.Run("large query text", func(t *testing.T) {
		q, _ := json.Marshal(map[string]string{"query": "{ releases { version } }" + strings.Repeat(" ", 5000)})
		r := postRaw(t, url+"/graphql", "application/json", q)
		checkError(t, r, http.StatusUnprocessableEntity, server.CodeLimitExceeded)
		if len(r.Errors) > 0 && !strings.Contains(r.Errors[0].Message, "as variables") {
			t.Errorf("a query text over the limit: %q does not say to send large values as variables", r.Errors[0].Message)
		}
	})
	t.Run("under every limit", func(t *testing.T) {
		data(t, url, `{ a: technique(id: "AML.T0051") { id tactics { id } } releases { version } }`, &map[string]any{})
	})
	t.Run("GraphiQL's introspection fits the default limits", func(t *testing.T) {
		_, url := newServer(t, e.store, server.Config{})
		data(t, url, introspection, &map[string]any{})
	})
}

// introspection is the query GraphiQL sends at start (abridged from
// graphql-js getIntrospectionQuery, same depth).
const introspection = `query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name }
 types { ...FullType } directives { name description locations args { ...InputValue } } } }
fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name description args { ...InputValue }
 type { ...TypeRef } isDeprecated deprecationReason } inputFields { ...InputValue } interfaces { ...TypeRef }
 enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`

func TestRequestDeadline(t *testing.T) {
	e := setup(t)
	// A deadline that has passed before the first query: deterministic.
	_, url := newServer(t, e.store, server.Config{Timeouts: server.Timeouts{Transaction: time.Nanosecond, Request: 2 * time.Nanosecond, Write: 10 * time.Second}})
	r := post(t, url, `{ techniques { id } }`, nil)
	checkError(t, r, http.StatusOK, server.CodeLimitExceeded)
}

func TestTimeoutsMustBeOrdered(t *testing.T) {
	e := setup(t)
	for _, to := range []server.Timeouts{
		{Transaction: 10 * time.Second, Request: 5 * time.Second, Write: 20 * time.Second},
		{Transaction: time.Second, Request: 20 * time.Second, Write: 10 * time.Second},
	} {
		if _, err := server.New(server.Config{App: testConfig(t, e.store, server.Config{}).App, Timeouts: to}); err == nil {
			t.Errorf("timeouts %+v accepted", to)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	cases := []struct {
		name, query string
		status      int
		code        string
	}{
		{"unknown technique", `{ technique(id: "AML.T9999") { id } }`, http.StatusOK, server.CodeNotFound},
		{"unknown release", `{ techniques(release: "0.0.1") { id } }`, http.StatusOK, server.CodeNotFound},
		{"unknown diff release", `{ releaseDiff(from: "2026.05", to: "0.0.1") { empty } }`, http.StatusOK, server.CodeNotFound},
		{"syntax", `{ techniques { id `, http.StatusBadRequest, server.CodeBadInput},
		{"unknown field", `{ techniques { nope } }`, http.StatusUnprocessableEntity, server.CodeBadInput},
		{"first out of range", `{ techniquesConnection(first: 1000) { totalCount } }`, http.StatusOK, server.CodeBadInput},
		{"bad cursor", `{ techniquesConnection(after: "not-a-cursor") { totalCount } }`, http.StatusOK, server.CodeBadInput},
		{"bad maturity", `{ techniques(filter: {maturity: "Imagined"}) { id } }`, http.StatusOK, server.CodeBadInput},
		{"unbalanced quote", `{ search(text: "\"prompt injection") { id } }`, http.StatusOK, server.CodeBadInput},
		{"only operators", `{ techniques(filter: {search: "&& || !"}) { id } }`, http.StatusOK, server.CodeBadInput},
		{"search too long", `{ search(text: "` + strings.Repeat("a", 201) + `") { id } }`, http.StatusOK, server.CodeBadInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkError(t, post(t, url, c.query, nil), c.status, c.code)
		})
	}
	t.Run("not JSON", func(t *testing.T) {
		checkError(t, postRaw(t, url+"/graphql", "application/json", []byte(`{"query": `)), http.StatusBadRequest, server.CodeBadInput)
	})
	t.Run("JSON of the wrong shape", func(t *testing.T) {
		checkError(t, postRaw(t, url+"/graphql", "application/json", []byte(`{"query": 5}`)), http.StatusUnprocessableEntity, server.CodeBadInput)
	})
	t.Run("not JSON content type", func(t *testing.T) {
		checkError(t, postRaw(t, url+"/graphql", "text/plain", []byte(`{ releases { version } }`)), http.StatusUnsupportedMediaType, server.CodeBadInput)
	})
	t.Run("PUT", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, url+"/graphql", strings.NewReader(`{"query": "{ releases { version } }"}`))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		var r response
		_ = json.Unmarshal(body, &r)
		r.status, r.header, r.raw = res.StatusCode, res.Header, body
		checkError(t, r, http.StatusMethodNotAllowed, server.CodeBadInput)
		if got := res.Header.Get("Allow"); got != "GET, HEAD, POST" {
			t.Errorf("Allow = %q", got)
		}
	})
	t.Run("the caller's request id is kept", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, url+"/graphql", strings.NewReader(`{"query": "{ technique(id: \"x\") { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Request-Id", "abc-123")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var r response
		_ = json.NewDecoder(res.Body).Decode(&r)
		if res.Header.Get("X-Request-Id") != "abc-123" || len(r.Errors) == 0 || r.Errors[0].Extensions["requestId"] != "abc-123" {
			t.Errorf("request id not kept: header %q, errors %+v", res.Header.Get("X-Request-Id"), r.Errors)
		}
	})
	t.Run("counted by code", func(t *testing.T) {
		if n := metric(t, url, `atlasgraph_graphql_errors_total{code="NOT_FOUND"}`); n < 3 {
			t.Errorf("NOT_FOUND counted %v times, want at least 3", n)
		}
	})
}

// TestInternal points a server at a database that does not exist: Neo4j
// answers with an error the server cannot explain to the client.
func TestInternal(t *testing.T) {
	e := setup(t)
	_ = e
	d, _ := neo4jtest.Driver(t)
	_, url := newServer(t, store.New(d, "nosuchdatabase"), server.Config{})
	checkError(t, post(t, url, `{ techniques { id } }`, nil), http.StatusOK, server.CodeInternal)
}

// TestUnavailable points a server at a port where nothing listens.
func TestUnavailable(t *testing.T) {
	setup(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d, err := neo4j.NewDriverWithContext("bolt://"+addr, neo4j.BasicAuth("neo4j", "x", ""), func(c *neo4jconfig.Config) {
		c.MaxTransactionRetryTime = 100 * time.Millisecond // as store.ConnectServing does, shorter
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(context.Background()) })
	_, url := newServer(t, store.New(d, "neo4j"), server.Config{RetryInterval: time.Hour})
	first := post(t, url, `{ techniques { id } }`, nil)
	// Found during execution, with no data from any root field: a 503 too.
	checkError(t, first, http.StatusServiceUnavailable, server.CodeUnavailable)
	if first.header.Get("Retry-After") == "" {
		t.Error("UNAVAILABLE during execution without Retry-After")
	}
	// Now known to be down: answered at once, before any query.
	checkError(t, post(t, url, `{ techniques { id } }`, nil), http.StatusServiceUnavailable, server.CodeUnavailable)
	if status, body, _ := get(t, url+"/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d %s, want 503", status, body)
	}
	if v := metric(t, url, "atlasgraph_neo4j_up"); v != 0 {
		t.Errorf("atlasgraph_neo4j_up = %v, want 0", v)
	}
}
