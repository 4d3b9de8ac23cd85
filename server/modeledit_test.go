package server_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestThreatModelReplaceShowsProblemsByField proves what a form editing a
// model relies on: a refused replacement lists each problem with the field
// it concerns and changes nothing; an accepted one replaces the whole
// content, preferences included, and bumps the version; a model file reads
// into a model without being stored; the taxonomy lists kinds and
// properties; the templates are offered.
func TestThreatModelReplaceShowsProblemsByField(t *testing.T) {
	url, _ := tmServer(t, true)
	if r := postTM(t, url, editorToken, importQ, map[string]any{"id": "rag", "yaml": template(t, "rag-chatbot")}); len(r.Errors) > 0 {
		t.Fatalf("import: %s", r.raw)
	}
	const replaceQ = `mutation($in: ThreatModelInput!, $v: Int!) { replaceThreatModel(id: "rag", version: $v, input: $in) { version name flows { id } controls { mitigation } preferences { countDetection exclude costs { mitigation cost } } } }`
	before := snapshot(t, url)
	bad := map[string]any{"id": "rag", "name": "Chatbot",
		"components": []any{map[string]any{"id": "ui", "kind": "toaster"}, map[string]any{"id": "llm", "kind": "hosted-model-api"}},
		"flows":      []any{map[string]any{"from": "ui", "to": "nowhere"}},
		"controls":   []any{map[string]any{"mitigation": "AML.M0015", "status": "maybe"}},
	}
	r := postTM(t, url, editorToken, replaceQ, map[string]any{"in": bad, "v": 1})
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_INPUT" {
		t.Fatalf("invalid replacement: want one BAD_INPUT error, got %s", r.raw)
	}
	fields := map[string]string{}
	ps, _ := r.Errors[0].Extensions["problems"].([]any)
	for _, p := range ps {
		m := p.(map[string]any)
		fields[m["field"].(string)] = m["message"].(string)
	}
	for _, f := range []string{"components[0].kind", "flows[0].to", "controls[0].status"} {
		if fields[f] == "" || !strings.Contains(r.Errors[0].Message, fields[f]) {
			t.Errorf("problem of %s: missing or not in the message; problems %v, message %q", f, fields, r.Errors[0].Message)
		}
	}
	if got := snapshot(t, url); got != before {
		t.Fatalf("a refused replacement changed the stored model:\n%s\n%s", before, got)
	}
	if r := postTM(t, url, editorToken, replaceQ, map[string]any{"in": map[string]any{"id": "other", "name": "x"}, "v": 1}); len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "input.id") {
		t.Fatalf("another id: want a BAD_INPUT naming input.id, got %s", r.raw)
	}
	good := map[string]any{"id": "rag", "name": "Chatbot",
		"components":  []any{map[string]any{"id": "ui", "kind": "chat-ui", "properties": []any{map[string]any{"name": "internetFacing", "value": "true"}}}, map[string]any{"id": "llm", "kind": "hosted-model-api"}},
		"flows":       []any{map[string]any{"from": "ui", "to": "llm", "trustBoundary": true, "data": "prompt"}},
		"controls":    []any{map[string]any{"mitigation": "AML.M0020", "status": "implemented"}},
		"preferences": map[string]any{"countDetection": true, "exclude": []any{"AML.M0018"}, "costs": []any{map[string]any{"mitigation": "AML.M0015", "cost": 3}}},
	}
	r = postTM(t, url, editorToken, replaceQ, map[string]any{"in": good, "v": 1})
	if len(r.Errors) > 0 {
		t.Fatalf("replacement: %s", r.raw)
	}
	var out struct {
		Replace struct {
			Version     int
			Name        string
			Flows       []struct{ ID string }
			Preferences struct {
				CountDetection bool
				Exclude        []string
				Costs          []struct {
					Mitigation string
					Cost       float64
				}
			}
		} `json:"replaceThreatModel"`
	}
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	got := out.Replace
	if got.Version != 2 || got.Name != "Chatbot" || len(got.Flows) != 1 || got.Flows[0].ID != "ui->llm" || !got.Preferences.CountDetection ||
		len(got.Preferences.Exclude) != 1 || len(got.Preferences.Costs) != 1 || got.Preferences.Costs[0].Cost != 3 {
		t.Fatalf("replaced model: %+v", got)
	}
	if r := postTM(t, url, editorToken, replaceQ, map[string]any{"in": good, "v": 1}); len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "CONFLICT" {
		t.Fatalf("stale version: want CONFLICT, got %s", r.raw)
	}

	r = postTM(t, url, "", `query($y: String!) { parseThreatModel(yaml: $y) { id version name components { id } } }`, map[string]any{"y": template(t, "rag-chatbot")})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"chat-widget"`) || !strings.Contains(string(r.Data), `"version":0`) {
		t.Fatalf("parse: %s", r.raw)
	}
	r = postTM(t, url, "", `query($y: String!) { parseThreatModel(yaml: $y) { id } }`, map[string]any{"y": "name: x\ncomponents:\n  - id: a\n    kind: toaster\n"})
	if len(r.Errors) != 1 {
		t.Fatalf("parse of a bad file: %s", r.raw)
	}
	ps, _ = r.Errors[0].Extensions["problems"].([]any)
	if len(ps) != 1 || ps[0].(map[string]any)["line"].(float64) != 4 || ps[0].(map[string]any)["field"] != "components[0].kind" {
		t.Fatalf("parse problems: want line 4, field components[0].kind, got %s", r.raw)
	}
	r = postTM(t, url, "", `{ threatModelTemplates { name yaml } }`, nil)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":"rag-chatbot","yaml":"# A customer-support chatbot`) {
		t.Fatalf("templates: %s", r.raw)
	}
	r = postTM(t, url, "", `{ threatModelTaxonomy { kinds { id layer } properties { name type values } } }`, nil)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"chat-ui"`) || !strings.Contains(string(r.Data), `"modality","type":"string","values":["text"`) {
		t.Fatalf("taxonomy: %s", r.raw)
	}
}
