package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// TestThreatModelOfAThousandComponents creates a model of 1,000 components
// and 1,999 flows with one createThreatModel request (its body is far
// above the 64 KiB a query may take) and reads it back.
func TestThreatModelOfAThousandComponents(t *testing.T) {
	url, _ := tmServer(t, false)
	kinds := threatmodel.Kinds()
	var comps, flows []map[string]any
	for i := range 1000 {
		comps = append(comps, map[string]any{"id": fmt.Sprintf("c%04d", i), "kind": string(kinds[i%len(kinds)].Kind),
			"description": "a component of a large synthetic system, with a sentence of description"})
		if i > 0 {
			flows = append(flows, map[string]any{"from": fmt.Sprintf("c%04d", i-1), "to": fmt.Sprintf("c%04d", i), "trustBoundary": i%5 == 0})
		}
		if i > 1 && i%2 == 0 {
			flows = append(flows, map[string]any{"id": fmt.Sprintf("x%d", i), "from": fmt.Sprintf("c%04d", i), "to": fmt.Sprintf("c%04d", i/2)})
		}
	}
	vars := map[string]any{"input": map[string]any{"id": "large-system", "name": "A large system", "components": comps, "flows": flows}}
	body, _ := json.Marshal(map[string]any{"variables": vars})
	if len(body) <= 64<<10 {
		t.Fatalf("the request is %d bytes, not above the query limit", len(body))
	}
	r := postTM(t, url, editorToken, `mutation($input: ThreatModelInput!) { createThreatModel(input: $input) { id version } }`, vars)
	if r.status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("create a model of 1,000 components (%d bytes): HTTP %d %s", len(body), r.status, r.raw)
	}
	r = postTM(t, url, editorToken, `{ threatModel(id: "large-system") { components { id } flows { id } } }`, nil)
	var got struct {
		ThreatModel struct {
			Components []struct{ ID string } `json:"components"`
			Flows      []struct{ ID string } `json:"flows"`
		} `json:"threatModel"`
	}
	if err := json.Unmarshal(r.Data, &got); err != nil || len(r.Errors) > 0 {
		t.Fatalf("read the model back: %v %s", err, r.raw)
	}
	if len(got.ThreatModel.Components) != len(comps) || len(got.ThreatModel.Flows) != len(flows) {
		t.Errorf("stored %d components and %d flows, sent %d and %d", len(got.ThreatModel.Components), len(got.ThreatModel.Flows), len(comps), len(flows))
	}
}

// TestLargeBodiesShareABudget holds one large body half-read: a second
// large request finds no room before its deadline and is told to retry
// (503, OVERLOADED, Retry-After), while a small query goes through.
func TestLargeBodiesShareABudget(t *testing.T) {
	e := setup(t)
	timeouts := server.DefaultTimeouts()
	timeouts.Transaction, timeouts.Request, timeouts.Write = 500*time.Millisecond, time.Second, 5*time.Second
	lim := server.Limits{BodyBytes: 4096, ModelBodyBytes: 16384, LargeBodiesBytes: 16384}
	_, url := newServer(t, e.store, server.Config{Limits: lim, Timeouts: timeouts})

	pr, pw := io.Pipe()
	first := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, url+"/graphql", pr)
		req.ContentLength = 12000
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- 0
			return
		}
		res.Body.Close()
		first <- res.StatusCode
	}()
	if _, err := pw.Write([]byte(`{"query": "{ releases { version } }`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the first request holds its room

	q, _ := json.Marshal(map[string]string{"query": "{ releases { version } }" + strings.Repeat(" ", 6000)})
	r := postRaw(t, url+"/graphql", "application/json", q)
	checkError(t, r, http.StatusServiceUnavailable, server.CodeOverloaded)
	if r.header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After on a large request refused for room")
	}
	data(t, url, `{ releases { version } }`, &map[string]any{})

	_, _ = pw.Write([]byte(`"` + strings.Repeat(" ", 12000-37) + "}"))
	pw.Close()
	<-first
	// The room is given back: a large request is read again (and judged on
	// its query, whose text is over the query limit here: 422, not 503).
	if r := postRaw(t, url+"/graphql", "application/json", q); r.status == http.StatusServiceUnavailable || len(r.Errors) == 0 || r.Errors[0].code() != server.CodeLimitExceeded {
		t.Errorf("a large request after the first finished: HTTP %d %s", r.status, r.raw)
	}
}
