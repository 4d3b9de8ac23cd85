package main

import (
	"encoding/json"
	"testing"
)

// TestCanonical checks that the normalisation makes the three systems'
// spellings of one answer equal, and keeps different answers different.
func TestCanonical(t *testing.T) {
	decode := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	enc := func(v any) string {
		b, err := json.Marshal(canonical(v))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	atlas := `{"id":"T1","parent":null,"tactics":[{"id":"TA2"},{"id":"TA1"}],
		"mitigations":[{"mitigation":{"id":"M2"},"description":"b"},{"mitigation":{"id":"M1"},"description":"a"}]}`
	peer := `[{"id":"T1","parent":[],"tactics":[{"id":"TA1"},{"id":"TA2"}],
		"mitigations":{"edges":[{"mitigation":{"id":"M1"},"_props":{"description":"a"}},{"mitigation":{"id":"M2"},"_props":{"description":"b"}}]}}]`
	raw := map[string]any{"id": "T1", "parent": []any{},
		"tactics":     []any{map[string]any{"id": "TA1"}, map[string]any{"id": "TA2"}},
		"mitigations": []any{map[string]any{"mitigation": map[string]any{"id": "M2"}, "description": "b"}, map[string]any{"mitigation": map[string]any{"id": "M1"}, "description": "a"}}}
	want := enc(decode(atlas))
	if got := enc(decode(peer)); got != want {
		t.Errorf("@neo4j/graphql spelling:\n%s\nwant\n%s", got, want)
	}
	if got := enc(raw); got != want {
		t.Errorf("Cypher spelling:\n%s\nwant\n%s", got, want)
	}
	// A different link description, or a missing tactic, must not compare equal.
	for _, other := range []string{
		`{"id":"T1","parent":null,"tactics":[{"id":"TA2"},{"id":"TA1"}],"mitigations":[{"mitigation":{"id":"M2"},"description":"a"},{"mitigation":{"id":"M1"},"description":"b"}]}`,
		`{"id":"T1","parent":null,"tactics":[{"id":"TA2"}],"mitigations":[{"mitigation":{"id":"M2"},"description":"b"},{"mitigation":{"id":"M1"},"description":"a"}]}`,
	} {
		if enc(decode(other)) == want {
			t.Errorf("%s compares equal to %s", other, atlas)
		}
	}
}
