package server_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/server"
)

// validateMapping over HTTP checks rows against the loaded release; the
// expected names come from the file as rawatlas reads it.
func TestValidateMappingQuery(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	var ids []string
	for id := range e.raw.Techniques {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	a, b := ids[0], ids[1]
	var out struct {
		ValidateMapping struct {
			Against  string
			Errors   int
			Failed   bool
			Findings []struct {
				ID, Code, Level, About string
				Line                   int
				CurrentName            string
				Suggestion             string
			}
		}
	}
	q := `query($rows: [MappingRowInput!]!) { validateMapping(rows: $rows) {
		against errors failed findings { id code level about line currentName suggestion } } }`
	r := post(t, url, q, map[string]any{"rows": []map[string]any{
		{"id": a, "name": e.raw.Techniques[a], "line": 2},
		{"id": a, "name": e.raw.Techniques[b], "line": 3},
		{"id": "AML.T9999", "name": "Nothing", "line": 4},
	}})
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r.raw)
	}
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	v := out.ValidateMapping
	if v.Against != e.raw.Version || v.Errors != 2 || !v.Failed || len(v.Findings) != 2 {
		t.Fatalf("report: %s", r.raw)
	}
	f := v.Findings[0]
	if f.ID != a || f.Code != "name-differs" || f.Line != 3 || f.CurrentName != e.raw.Techniques[a] || f.Suggestion != b {
		t.Errorf("first finding: %+v", f)
	}
	if f := v.Findings[1]; f.Code != "unknown-id" || f.Line != 4 || f.Level != "error" {
		t.Errorf("second finding: %+v", f)
	}

	// The diff carries the upgrade view (empty between a release and itself).
	d := post(t, url, `{ releaseDiff(from: "`+e.raw.Version+`", to: "`+e.raw.Version+`") {
		empty retired { id } movedTactic { id from to } maturityChanges { id } mitigationLinks { technique added removed } caseStudiesAdded { id } navigatorLayer } }`, nil)
	if len(d.Errors) > 0 || !strings.Contains(string(d.Data), `"retired":[]`) || !strings.Contains(string(d.Data), `"mitigationLinks":[]`) ||
		!strings.Contains(string(d.Data), `atlas-atlas`) {
		t.Fatalf("releaseDiff: %s", d.raw)
	}
}
