package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/server"
)

// fragmentBomb is n fragments, each spreading the next twice: 2^n copies
// of the last one's fields in a query of a few hundred bytes.
func fragmentBomb(n int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { releases { version } }\n", n)
	return b.String()
}

func TestFragmentsAreMeasuredOnce(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	// 2^40 expansions: measured by expanding, this never answers.
	r := post(t, url, fragmentBomb(40), nil)
	checkError(t, r, http.StatusUnprocessableEntity, server.CodeLimitExceeded)
	if !strings.Contains(r.Errors[0].Message, "fragments") {
		t.Errorf("message does not say why: %s", r.Errors[0].Message)
	}
	t.Run("cycle", func(t *testing.T) {
		r := post(t, url, `{ ...A } fragment A on Query { releases { version } ...B } fragment B on Query { ...A }`, nil)
		checkError(t, r, http.StatusUnprocessableEntity, server.CodeBadInput)
	})
	t.Run("a fragment used often but small is fine", func(t *testing.T) {
		data(t, url, fragmentBomb(3), &map[string]any{})
	})
}

func TestIntrospectionIsCounted(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	var flood strings.Builder
	flood.WriteString("{")
	for i := range 30 {
		fmt.Fprintf(&flood, " s%d: __schema { types { name fields { name } } }", i)
	}
	flood.WriteString(" }")
	cases := []struct{ name, query string }{
		{"aliased __schema flood", flood.String()},
		{"more __type fields than the limit", `{ a: __type(name: "Query") { name } b: __type(name: "Technique") { name } c: __type(name: "Tactic") { name } }`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := post(t, url, c.query, nil)
			checkError(t, r, http.StatusUnprocessableEntity, server.CodeLimitExceeded)
			t.Log(r.Errors[0].Message)
		})
	}
	t.Run("one __type", func(t *testing.T) {
		var got struct{ T struct{ Name string } }
		data(t, url, `{ T: __type(name: "Technique") { name } }`, &got)
		if got.T.Name != "Technique" {
			t.Errorf("__type = %+v", got)
		}
	})
	t.Run("switched off", func(t *testing.T) {
		_, url := newServer(t, e.store, server.Config{NoIntrospection: true})
		r := post(t, url, introspection, nil)
		checkError(t, r, http.StatusUnprocessableEntity, server.CodeLimitExceeded)
		if !strings.Contains(r.Errors[0].Message, "switched off") {
			t.Errorf("message does not say introspection is off: %s", r.Errors[0].Message)
		}
		var got struct {
			Typename string `json:"__typename"`
		}
		data(t, url, `{ __typename }`, &got)
		if got.Typename != "Query" {
			t.Errorf("__typename = %q", got.Typename)
		}
	})
}

func TestManyFieldsAreRefusedBeforeValidation(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	// Identical fields are valid GraphQL and merge into one; checking that
	// they do costs the validator the square of their number.
	q := "{ releases {" + strings.Repeat(" version", 1000) + " } }"
	r := post(t, url, q, nil)
	checkError(t, r, http.StatusUnprocessableEntity, server.CodeLimitExceeded)
	if !strings.Contains(r.Errors[0].Message, "field selections") {
		t.Errorf("message: %s", r.Errors[0].Message)
	}
	data(t, url, "{ releases {"+strings.Repeat(" version", 50)+" } }", &map[string]any{})
}

func TestVariablesOfTheWrongJSONType(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	const q = `query($n: Int) { techniquesConnection(first: $n) { nodes { id tactics { id techniques { id } } } } }`
	t.Run("a string for an Int is refused", func(t *testing.T) {
		r := post(t, url, q, map[string]any{"n": "100"})
		checkError(t, r, http.StatusUnprocessableEntity, server.CodeBadInput)
		if !strings.Contains(r.Errors[0].Message, "$n") {
			t.Errorf("message does not name the variable: %s", r.Errors[0].Message)
		}
	})
	t.Run("for search too", func(t *testing.T) {
		r := post(t, url, `query($f: Int) { search(text: "prompt", first: $f) { id } }`, map[string]any{"f": "3"})
		checkError(t, r, http.StatusUnprocessableEntity, server.CodeBadInput)
	})
	t.Run("the same number is counted", func(t *testing.T) {
		checkError(t, post(t, url, q, map[string]any{"n": 100}), http.StatusUnprocessableEntity, server.CodeLimitExceeded)
	})
	t.Run("a small number is answered", func(t *testing.T) {
		var got struct{ TechniquesConnection struct{ Nodes []idOnly } }
		r := post(t, url, q, map[string]any{"n": 2})
		if r.status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("answered %d: %s", r.status, r.raw)
		}
		_ = got
	})
}
