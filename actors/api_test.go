package actors_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/internal/rawattack"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
)

// The contract queries of the issue, verbatim.
const (
	qForestBlizzard = `{ actors(filter: {name: "Forest Blizzard"}) { id name attackId aliases } }`
	qAquaticPanda   = `{ actors(filter: {name: "Aquatic Panda"}) { attackId techniques { technique { id } via } } }`
)

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func postQuery(t *testing.T, url, query string, out any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if out != nil {
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", query, r.Errors)
		}
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// apiChecks runs the contract queries through a real HTTP server.
func apiChecks(t *testing.T, s *store.Store, exp *rawattack.Expected) {
	// Four busy processes beside the server, as on a loaded machine: the
	// first requests after /readyz must be answered like later ones (the
	// default deadlines; no time is asserted, durations are logged).
	busy(t, 4)
	svc, err := app.New(context.Background(), s, app.Config{Serving: true, TxTimeout: server.DefaultTimeouts().Transaction})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{App: svc, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	// A client waits for /readyz, which says ready once the current
	// release and its actor directory are held: the first questions are
	// then answered like any later one.
	waitReady(t, ts.URL)
	firstRequests(t, ts.URL)

	var fb struct {
		Actors []struct {
			ID, Name string
			AttackID *string
			Aliases  []string
		}
	}
	postQuery(t, ts.URL, qForestBlizzard, &fb)
	if len(fb.Actors) != 1 || fb.Actors[0].Name != "APT28" || fb.Actors[0].AttackID == nil || *fb.Actors[0].AttackID != "G0007" ||
		!contains(fb.Actors[0].Aliases, "Forest Blizzard") {
		t.Fatalf("Forest Blizzard: %+v", fb.Actors)
	}

	var ap struct {
		Actors []struct {
			AttackID   string
			Techniques []struct {
				Technique struct{ ID string }
				Via       []string
			}
		}
	}
	postQuery(t, ts.URL, qAquaticPanda, &ap)
	if len(ap.Actors) != 1 || ap.Actors[0].AttackID != "G0143" {
		t.Fatalf("Aquatic Panda: %+v", ap.Actors)
	}
	got := map[string]bool{}
	for _, x := range ap.Actors[0].Techniques {
		if diff := cmp.Diff([]string{"ATTACK"}, x.Via); diff != "" {
			t.Errorf("%s via (-want +got):\n%s", x.Technique.ID, diff)
		}
		got[x.Technique.ID] = true
	}
	if diff := cmp.Diff(exp.Atlas["G0143"], got); diff != "" {
		t.Errorf("Aquatic Panda's techniques (-files +api):\n%s", diff)
	}

	// actor(id:) by any alias, and the release and ATT&CK version named.
	var one struct {
		Actor struct {
			ID, Release   string
			AttackID      string
			AttackVersion string
		}
	}
	postQuery(t, ts.URL, `{ actor(id: "forest-blizzard") { id release attackId attackVersion } }`, &one)
	if one.Actor.AttackID != "G0007" || one.Actor.Release != "2026.05" || one.Actor.AttackVersion != "18.1" {
		t.Errorf("actor(id: forest-blizzard): %+v", one.Actor)
	}
	// search finds an actor by an ATT&CK alias, first.
	var sr struct {
		Search []struct {
			Kind, ID string
			Actor    *struct{ AttackID string }
		}
	}
	postQuery(t, ts.URL, `{ search(text: "Forest Blizzard") { kind id actor { attackId } } }`, &sr)
	if len(sr.Search) == 0 || sr.Search[0].Kind != "ACTOR" || sr.Search[0].Actor == nil || sr.Search[0].Actor.AttackID != "G0007" {
		t.Errorf("search Forest Blizzard: %+v", sr.Search)
	}
	// A case study lists its ATLAS actors; actor(id:) with that id gives the merged actor.
	var cs struct {
		CaseStudy struct{ Actors []struct{ ID string } }
	}
	postQuery(t, ts.URL, `{ caseStudy(id: "AML.CS0044") { actors { id } } }`, &cs)
	if len(cs.CaseStudy.Actors) != 1 {
		t.Fatalf("AML.CS0044's actors: %+v", cs.CaseStudy.Actors)
	}
	postQuery(t, ts.URL, `{ actor(id: "`+cs.CaseStudy.Actors[0].ID+`") { id release attackId attackVersion } }`, &one)
	if one.Actor.AttackID != "G0007" {
		t.Errorf("AML.CS0044's actor %s: %+v", cs.CaseStudy.Actors[0].ID, one.Actor)
	}
	r := postQuery(t, ts.URL, `{ actor(id: "nobody-panda") { id } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
		t.Errorf("unknown actor: %+v", r.Errors)
	}

	// Technique -> actors with kinds, the ATT&CK technique node, the overlap and the layer.
	var tq struct {
		Technique struct {
			Actors []struct {
				Actor struct{ AttackID *string }
				Via   []string
			}
		}
	}
	var refTech string
	for x, r := range exp.References {
		if r == "T1566" {
			refTech = x
		}
	}
	if refTech == "" {
		t.Fatal("no ATLAS technique references T1566 in the file")
	}
	postQuery(t, ts.URL, `{ technique(id: "`+refTech+`") { actors { actor { attackId } via } } }`, &tq)
	var gotGroups, wantGroups []string
	for _, a := range tq.Technique.Actors {
		if a.Actor.AttackID != nil && contains(a.Via, "ATTACK") {
			gotGroups = append(gotGroups, *a.Actor.AttackID)
		}
	}
	for g, xs := range exp.Atlas {
		if xs[refTech] {
			wantGroups = append(wantGroups, g)
		}
	}
	sort.Strings(gotGroups)
	sort.Strings(wantGroups)
	if diff := cmp.Diff(wantGroups, gotGroups); diff != "" || len(wantGroups) == 0 {
		t.Errorf("groups using %s through ATT&CK (-files +api):\n%s", refTech, diff)
	}
	var at struct {
		AttackTechnique struct {
			ID, Name        string
			AtlasTechniques []struct{ ID string }
		}
	}
	postQuery(t, ts.URL, `{ attackTechnique(id: "T1566") { id name atlasTechniques { id } } }`, &at)
	if at.AttackTechnique.Name == "" || len(at.AttackTechnique.AtlasTechniques) == 0 || at.AttackTechnique.AtlasTechniques[0].ID != refTech {
		t.Errorf("attackTechnique T1566: %+v", at.AttackTechnique)
	}
	var ov struct {
		ActorsSharingTechniques struct {
			Release, AttackVersion string
			Actors                 []struct{ AttackID string }
			Shared                 []struct {
				Technique struct{ ID string }
				All       bool
			}
		}
	}
	postQuery(t, ts.URL, `{ actorsSharingTechniques(actors: ["Forest Blizzard", "Aquatic Panda"]) { release attackVersion actors { attackId } shared { technique { id } all } } }`, &ov)
	if len(ov.ActorsSharingTechniques.Actors) != 2 || ov.ActorsSharingTechniques.AttackVersion != "18.1" {
		t.Errorf("overlap: %+v", ov.ActorsSharingTechniques)
	}
	var layer struct {
		NavigatorLayer struct {
			JSON           string
			TechniqueCount int
		}
	}
	postQuery(t, ts.URL, `{ navigatorLayer(actors: ["Forest Blizzard"]) { json techniqueCount } }`, &layer)
	validateLayer(t, layer.NavigatorLayer.JSON)
	if layer.NavigatorLayer.TechniqueCount == 0 {
		t.Errorf("empty layer for Forest Blizzard")
	}
	r = postQuery(t, ts.URL, `{ navigatorLayer(actors: ["APT28"], caseStudy: "AML.CS0044") { json } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_INPUT" {
		t.Errorf("layer with two subjects: %+v", r.Errors)
	}
}

// waitReady polls /readyz until it answers 200, for at most a minute.
func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not ready after a minute (%v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// busy starts n processes that keep a core each busy until the test ends.
func busy(t *testing.T, n int) {
	t.Helper()
	for range n {
		cmd := exec.Command("sha256sum", "/dev/zero")
		if err := cmd.Start(); err != nil {
			t.Fatalf("start a busy process: %v", err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
}

// firstRequests sends five different questions at once, right after
// /readyz said ready, and wants every one answered without error under the
// server's default deadlines.
func firstRequests(t *testing.T, url string) {
	t.Helper()
	queries := map[string]string{
		"technique":  `{ technique(id: "AML.T0051") { id name tactics { id } mitigations { mitigation { id } } } }`,
		"actors":     qAquaticPanda,
		"case study": `{ caseStudy(id: "AML.CS0000") { id steps { stepId technique { id } tactic { id } } } }`,
		"chain":      `{ chainMitigations(caseStudy: "AML.CS0000") { breakable mitigations { mitigation { id } } } }`,
		"techniques": `{ techniques { id mitigations { mitigation { id name } } } }`,
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	took := map[string]time.Duration{}
	for name, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			body, _ := json.Marshal(map[string]any{"query": q})
			resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			took[name] = time.Since(start)
			mu.Unlock()
			var r gqlResponse
			if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 || resp.StatusCode != http.StatusOK {
				t.Errorf("%s right after /readyz: %d %s", name, resp.StatusCode, raw)
			}
		}()
	}
	wg.Wait()
	t.Logf("first requests after /readyz beside 4 busy processes: %v", took)
}
