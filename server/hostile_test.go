package server_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/server"
)

// hostile is one kind of hostile request and what may come back: one of
// the codes (OVERLOADED is always allowed: admission may refuse anything
// from a flooding client), or data when answered is true.
type hostile struct {
	name        string
	contentType string
	body        []byte
	codes       []string
	answered    bool // a full answer is acceptable too
	cancelAfter time.Duration
}

func gqlBody(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

func aliasFlood(n int, field string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	b.WriteString(" }")
	return b.String()
}

func hostileRequests() []hostile {
	const js = "application/json"
	deep := `{ caseStudy(id: "AML.CS0000") { steps ` + strings.Repeat("{ leadsTo ", 30) + "{ stepId }" + strings.Repeat(" }", 30) + " } }"
	nestedJSON := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	return []hostile{
		{name: "fragment bomb", contentType: js, body: gqlBody(fragmentBomb(40), nil), codes: []string{server.CodeLimitExceeded}},
		{name: "fragment cycle", contentType: js, body: gqlBody(`{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, nil), codes: []string{server.CodeBadInput}},
		{name: "alias flood, short", contentType: js, body: gqlBody(`{ releases {`+aliasFlood(25, "version")[1:]+" }", nil), codes: []string{server.CodeLimitExceeded}},
		{name: "alias flood", contentType: js, body: gqlBody(aliasFlood(300, "releases { version }"), nil), codes: []string{server.CodeLimitExceeded}},
		{name: "introspection flood, long", contentType: js, body: gqlBody(aliasFlood(150, "__schema { types { name fields { name } } }"), nil), codes: []string{server.CodeLimitExceeded}},
		{name: "introspection flood, short", contentType: js, body: gqlBody(aliasFlood(19, "__schema { types { name fields { name } } }"), nil), codes: []string{server.CodeLimitExceeded}},
		{name: "introspection, GraphiQL's", contentType: js, body: gqlBody(introspection, nil), answered: true},
		{name: "deep nesting", contentType: js, body: gqlBody(deep, nil), codes: []string{server.CodeLimitExceeded}},
		{name: "duplicate fields, 24 KB", contentType: js, body: gqlBody("{ releases {"+strings.Repeat(" version", 3000)+" } }", nil), codes: []string{server.CodeLimitExceeded}},
		{name: "oversized body", contentType: js, body: gqlBody("{ releases { version } }"+strings.Repeat(" ", 1<<20), nil), codes: []string{server.CodeLimitExceeded}},
		{name: "not JSON", contentType: js, body: []byte(`{"query": "{ releases`), codes: []string{server.CodeBadInput}},
		{name: "JSON nested 20000 deep", contentType: js, body: []byte(nestedJSON), codes: []string{server.CodeBadInput}},
		{name: "wrong JSON shape", contentType: js, body: []byte(`{"query": ["{ releases { version } }"]}`), codes: []string{server.CodeBadInput}},
		{name: "not a JSON content type", contentType: "text/plain", body: gqlBody("{ releases { version } }", nil), codes: []string{server.CodeBadInput}},
		{name: "empty body", contentType: js, body: nil, codes: []string{server.CodeBadInput}},
		{name: "type-confused variable", contentType: js,
			body:  gqlBody(`query($n: Int) { techniquesConnection(first: $n) { nodes { id tactics { id techniques { id } } } } }`, map[string]any{"n": "100"}),
			codes: []string{server.CodeBadInput}},
		{name: "variable of an unknown type", contentType: js, body: gqlBody(`query($n: Nope) { releases { version } }`, map[string]any{"n": 1}), codes: []string{server.CodeBadInput}},
		{name: "ten aliased releaseDiffs", contentType: js,
			body:     gqlBody(aliasFlood(10, `releaseDiff(from: "2026.05", to: "2026.05") { empty techniques { added { id } removed { id } } }`), nil),
			answered: true, codes: []string{server.CodeLimitExceeded}},
		{name: "costliest allowed lists", contentType: js,
			body:     gqlBody(`{ techniques { id name tactics { id name techniques { id } } mitigations { mitigation { id } } } }`, nil),
			answered: true, codes: []string{server.CodeLimitExceeded}},
		{name: "minimal set, most alternatives", contentType: js,
			body:     gqlBody(`{ minimalMitigationSet(alternatives: 100, budget: 5000000) { optimal lowerBound } }`, nil),
			answered: true, codes: []string{server.CodeLimitExceeded, server.CodeBadInput}},
		{name: "cancelled by the client", contentType: js, cancelAfter: 2 * time.Millisecond,
			body:     gqlBody(`{ techniques { id name tactics { id name techniques { id } } mitigations { mitigation { id } } } }`, nil),
			answered: true, codes: []string{server.CodeLimitExceeded}},
	}
}

// outcome is what one hostile request got.
type outcome struct {
	kind, code, msg string
	status          int
	err             error
}

// TestHostileQueries is the standing robustness suite: a real server on a
// loopback listener over the real Neo4j with 2026.05, default limits and
// timeouts, attacked from three loopback addresses at once with every kind
// of hostile request, while a fourth address asks a cheap question over
// and over. Every hostile request must be refused with its code or
// answered, each before the client's own timeout (the request deadline
// plus the write timeout: never stuck); every error has a code and a
// request id and leaks nothing; the cheap question must be answered right
// every time. Latencies are logged for docs/reliability.md, not asserted.
func TestHostileQueries(t *testing.T) {
	e := setup(t)
	timeouts := server.DefaultTimeouts()
	s, err := server.New(testConfig(t, e.store, server.Config{Timeouts: timeouts,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))}))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	url := "http://" + ln.Addr().String()

	wantTactics := sorted(keys(e.raw.Tactics))
	cheapClient := clientFrom("127.0.0.9")
	cheap := func() (time.Duration, error) {
		start := time.Now()
		r := postAs(t, cheapClient, url, `{ tactics { id } }`)
		took := time.Since(start)
		var got struct{ Tactics []idOnly }
		if r.status != http.StatusOK || len(r.Errors) > 0 {
			return took, fmt.Errorf("answered %d: %.300s", r.status, r.raw)
		}
		if err := json.Unmarshal(r.Data, &got); err != nil {
			return took, err
		}
		if g := sorted(ids(got.Tactics)); !slices.Equal(g, wantTactics) {
			return took, fmt.Errorf("tactics %v, want %v", g, wantTactics)
		}
		return took, nil
	}
	var quiet []time.Duration
	for range 40 {
		d, err := cheap()
		if err != nil {
			t.Fatalf("quiet: %v", err)
		}
		quiet = append(quiet, d)
	}

	attackers := []*http.Client{clientFrom("127.0.0.2"), clientFrom("127.0.0.3"), clientFrom("127.0.0.4")}
	for _, c := range attackers {
		c.Timeout = timeouts.Request + timeouts.Write
	}
	kinds := hostileRequests()
	// One of each, one at a time: each meets its own limit, not admission.
	for _, h := range kinds {
		o := attack(attackers[0], url, h)
		switch {
		case o.err != nil && h.cancelAfter > 0:
		case o.err != nil:
			t.Errorf("%s alone: %v", h.name, o.err)
		case o.code == "" && !h.answered:
			t.Errorf("%s alone: answered, want one of %v", h.name, h.codes)
		case o.code != "" && !slices.Contains(h.codes, o.code):
			t.Errorf("%s alone: code %s (HTTP %d), want one of %v: %s", h.name, o.code, o.status, h.codes, o.msg)
		default:
			t.Logf("alone: %-32s HTTP %d %s %s", h.name, o.status, cmp.Or(o.code, "answered"), o.msg)
		}
	}
	const rounds, perKind = 2, 4
	outcomes := make(chan outcome, rounds*perKind*len(kinds))
	var wg sync.WaitGroup
	attackDone := make(chan struct{})
	go func() {
		defer close(attackDone)
		for range rounds {
			for _, h := range kinds {
				for i := range perKind {
					wg.Add(1)
					go func() {
						defer wg.Done()
						outcomes <- attack(attackers[i%len(attackers)], url, h)
					}()
				}
			}
		}
		wg.Wait()
	}()
	var loud []time.Duration
	var cheapErrs []error
	for done := false; !done; {
		select {
		case <-attackDone:
			done = true
		default:
		}
		d, err := cheap()
		if err != nil {
			cheapErrs = append(cheapErrs, err)
		}
		loud = append(loud, d)
	}
	close(outcomes)
	for _, err := range cheapErrs {
		t.Errorf("cheap query under attack: %v", err)
	}

	byKind := map[string]*hostile{}
	for i := range kinds {
		byKind[kinds[i].name] = &kinds[i]
	}
	counts := map[string]map[string]int{}
	refused, total := 0, 0
	for o := range outcomes {
		total++
		h := byKind[o.kind]
		if counts[o.kind] == nil {
			counts[o.kind] = map[string]int{}
		}
		switch {
		case o.err != nil && h.cancelAfter > 0:
			counts[o.kind]["cancelled"]++
		case o.err != nil:
			t.Errorf("%s: %v", o.kind, o.err)
		case o.code == "":
			counts[o.kind]["answered"]++
			if !h.answered {
				t.Errorf("%s: answered, want refused with %v", o.kind, h.codes)
			}
		default:
			if counts[o.kind][o.code] == 0 {
				t.Logf("%s: %s %q", o.kind, o.code, o.msg)
			}
			counts[o.kind][o.code]++
			refused++
			if o.code != server.CodeOverloaded && !slices.Contains(h.codes, o.code) {
				t.Errorf("%s: code %s (HTTP %d), want one of %v or OVERLOADED: %s", o.kind, o.code, o.status, h.codes, o.msg)
			}
		}
	}
	// The server still answers, as fast as before, and Neo4j was never
	// taken for down.
	var after []time.Duration
	for range 40 {
		d, err := cheap()
		if err != nil {
			t.Fatalf("after the attack: %v", err)
		}
		after = append(after, d)
	}
	if v := metric(t, url, "atlasgraph_neo4j_up"); v != 1 {
		t.Errorf("atlasgraph_neo4j_up = %v after the attack, want 1", v)
	}

	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("hostile %-32s %v", k, counts[k])
	}
	quiet = append(quiet, after...)
	qm, lm := median(quiet), median(loud)
	t.Logf("hostile requests in the flood: %d sent, %d refused with a code", total, refused)
	t.Logf("cheap query quiet (before and after): n=%d median %s worst %s", len(quiet), qm, slices.Max(quiet))
	t.Logf("cheap query under attack:             n=%d median %s worst %s (median ×%.1f, worst ×%.1f of the quiet median)",
		len(loud), lm, slices.Max(loud), float64(lm)/float64(qm), float64(slices.Max(loud))/float64(qm))
}

// attack sends one hostile request and classifies the answer; err is set
// when the exchange failed or the answer is not in the error contract.
func attack(c *http.Client, url string, h hostile) outcome {
	o := outcome{kind: h.name}
	ctx := context.Background()
	if h.cancelAfter > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.cancelAfter)
		defer cancel()
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(h.body))
	req.Header.Set("Content-Type", h.contentType)
	res, err := c.Do(req)
	if err != nil {
		o.err = err
		return o
	}
	defer res.Body.Close()
	o.status = res.StatusCode
	b, err := io.ReadAll(res.Body)
	if err != nil {
		o.err = err
		return o
	}
	var r response
	if err := json.Unmarshal(b, &r); err != nil {
		o.err = fmt.Errorf("answer %d is not JSON: %.200s", res.StatusCode, b)
		return o
	}
	if len(r.Errors) == 0 {
		if res.StatusCode != http.StatusOK {
			o.err = fmt.Errorf("HTTP %d without an error", res.StatusCode)
		}
		return o
	}
	e := r.Errors[0]
	o.code, o.msg = e.code(), e.Message
	id, _ := e.Extensions["requestId"].(string)
	switch {
	case o.code == "":
		o.err = fmt.Errorf("error without a code: %.200s", b)
	case id == "" || id != res.Header.Get("X-Request-Id"):
		o.err = fmt.Errorf("requestId %q, X-Request-Id %q", id, res.Header.Get("X-Request-Id"))
	case o.code == server.CodeInternal:
		o.err = fmt.Errorf("INTERNAL: %s", e.Message)
	case o.code == server.CodeOverloaded && res.Header.Get("Retry-After") == "" && res.StatusCode != http.StatusOK:
		o.err = fmt.Errorf("OVERLOADED (HTTP %d) without Retry-After", res.StatusCode)
	}
	for _, leak := range []string{"Neo4j", "Neo.", "MATCH", "RETURN", "goroutine", ".go:", "bolt", "connectivity"} {
		if strings.Contains(e.Message, leak) {
			o.err = fmt.Errorf("message leaks internals (%q): %s", leak, e.Message)
		}
	}
	return o
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
