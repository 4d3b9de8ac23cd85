package server

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// wireResponse is the struct writeGraphQL used to give json.Marshal; the
// tests hold appendResponse to its bytes.
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

func TestAppendResponseWritesWhatJSONMarshalWrote(t *testing.T) {
	errs := gqlerror.List{{Message: "a <b> & c", Extensions: map[string]any{"code": "BAD_INPUT"}}}
	ext := map[string]any{"cost": 3, "note": "x<y"}
	datas := []string{
		`{"r":{"id":"AML.T0051","name":"LLM Prompt Injection"}}`,
		`{"r":[{"d":"<script>&amp;</script>"},{"d":"line\u2028sep\u2029end"},null,true,false,-1.5e+3]}`,
		`{"r":"quote \" and backslash \\ and \u003c and \n"}`,
		"{ \"r\" : [ 1 , 2 ] ,\n\t\"s\": \"  spaces stay  \" }",
		`{"r":"multi-byte é ✓ 𝄞 and an escaped \\\" quote"}`,
		`null`,
		``,
	}
	for _, d := range datas {
		for _, e := range []gqlerror.List{nil, errs} {
			for _, x := range []map[string]any{nil, ext} {
				want, err := json.Marshal(wireResponse{Errors: e, Data: json.RawMessage(d), Extensions: x})
				if err != nil {
					t.Fatalf("json.Marshal(%q): %v", d, err)
				}
				got, err := appendResponse(nil, e, json.RawMessage(d), x)
				if err != nil {
					t.Fatalf("appendResponse(%q): %v", d, err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("data %q:\n got %s\nwant %s", d, got, want)
				}
			}
		}
	}
}

func TestAppendDataRandomStrings(t *testing.T) {
	// Strings of every awkward byte, written by encoding/json (so valid
	// JSON with escapes), then copied: the same bytes as json.Marshal of the
	// RawMessage.
	alphabet := []rune{'a', '<', '>', '&', '"', '\\', '\n', '\t', 0x01, 0x1f, ' ', 'é', '\u2028', '\u2029', '\u2027', '\u202a', '𝄞', 0xFFFD}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		rs := make([]rune, rng.IntN(12))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // leave <, > and & for appendData to escape
		if err := enc.Encode(map[string]any{"s": string(rs), "n": []int{1, -2}}); err != nil {
			t.Fatal(err)
		}
		data := bytes.TrimSpace(buf.Bytes())
		want, err := json.Marshal(json.RawMessage(data))
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendData(nil, data)
		if err != nil {
			t.Fatalf("appendData(%s): %v", data, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("appendData(%s):\n got %s\nwant %s", data, got, want)
		}
	}
}

func TestAppendDataRefusesWhatIsNotJSON(t *testing.T) {
	for _, d := range []string{`{"r":"open`, `{"r":NaN}`, `{"r":Infinity}`, "{\"r\":\"a\x01\"}", `{"r":x}`} {
		if _, err := appendData(nil, []byte(d)); err == nil {
			t.Errorf("appendData(%q): no error, want one (json.Marshal refuses it too)", d)
		}
		if _, err := json.Marshal(json.RawMessage(d)); err == nil {
			t.Errorf("json.Marshal(%q) accepts it: the case is not a refusal", d)
		}
	}
}
