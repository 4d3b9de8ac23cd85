package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/atlasgraph/atlasgraph/server"
)

// passThrough is a field interceptor that changes nothing: installed, it
// sends every field through gqlgen's own resolution.
type passThrough struct{}

func (passThrough) ExtensionName() string                   { return "PassThrough" }
func (passThrough) Validate(graphql.ExecutableSchema) error { return nil }
func (passThrough) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	return next(ctx)
}

// TestFastPathAnswersAsGqlgen asks two servers over the same release the
// same questions and wants the same bytes back, errors and nulls included:
// one as `atlasgraph serve` runs (plain fields take the generated fast
// path) and one with a field interceptor installed (every field through
// graphql.ResolveField, gqlgen's own code). The questions select every
// field without required arguments of every object reachable from the
// root lists, two levels deep, plus the benchmarks' shapes, introspection,
// the analyses, and questions that fail or answer null.
func TestFastPathAnswersAsGqlgen(t *testing.T) {
	e := setup(t)
	lim := server.DefaultLimits()
	lim.Complexity, lim.Fields, lim.Depth, lim.ParserTokens, lim.Introspection = 1_000_000, 100_000, 20, 1_000_000, 10
	lim.BodyBytes = 1 << 20
	cfg := server.Config{Limits: lim, ResponseCacheBytes: -1}
	_, fast := newServer(t, e.store, cfg)
	slowSrv, err := server.New(testConfig(t, e.store, cfg))
	if err != nil {
		t.Fatal(err)
	}
	server.UseFieldInterceptor(slowSrv, passThrough{})
	slowTS := httptest.NewServer(slowSrv.Handler())
	t.Cleanup(slowTS.Close)
	slow := slowTS.URL
	waitReady(t, fast)
	waitReady(t, slow)

	queries := []string{
		`{ r: technique(id: "AML.T0051") { id name description maturity platforms } }`,
		`{ r: technique(id: "AML.T0051") { id name maturity platforms tactics { id } parent { id } subtechniques { id } mitigations { mitigation { id } description } caseStudies { id } } }`,
		`{ r: caseStudy(id: "AML.CS0000") { id name type actorText actors { id name } steps { stepId technique { id } tactic { id } leadsTo { stepId } } } }`,
		`{ r: techniques(filter: {tactic: "AML.TA0005"}) { id name maturity } }`,
		`{ r: techniques { id tactics { id } mitigations { mitigation { id } description } caseStudies { id } } }`,
		`{ r: technique(id: "AML.T0051") { id mitigations { mitigation { id techniques { technique { id caseStudies { id } } } } } } }`,
		`{ attackPaths(from: "AML.TA0002", to: "AML.TA0011", maxHops: 6, limit: 100) { release truncated expansions
			paths { id support totalSupport techniques { id name } hops { from { id } to { id } count caseStudies } }
			mitigationSet { cost optimal members { mitigation { id name } chains } } unbreakable } }`,
		`{ a: technique(id: "AML.T9999") { id name } b: technique(id: "AML.T0051") { __typename id aliasName: name } }`,
		`{ technique(id: "AML.T0051", release: "no-such-release") { id } }`,
		`{ attackPaths(from: "AML.TA0002", to: "AML.TA0011", maxHops: 99, limit: 100) { release } }`,
		`{ attackPaths(from: "nowhere", to: "AML.TA0011") { release } techniques(filter: {tactic: "AML.TA0005"}) { id } }`,
		`{ techniquesConnection(first: 0) { totalCount } tactics { id name techniques { id name isSubtechnique } } }`,
		`{ search(text: "prompt injection") { __typename } }`,
		introspectionQuery,
	}
	queries = append(queries, wideQueries(t, fast)...)
	for i, q := range queries {
		body, _ := json.Marshal(map[string]any{"query": q})
		a, as := rawPost(t, fast, body)
		b, bs := rawPost(t, slow, body)
		// Each answer names its own request.
		a, b = requestIDs.ReplaceAll(a, []byte(`"requestId":"x"`)), requestIDs.ReplaceAll(b, []byte(`"requestId":"x"`))
		if as != bs || !bytes.Equal(a, b) {
			t.Errorf("query %d %.200s:\nfast path (%d): %.600s\ngqlgen     (%d): %.600s", i, q, as, a, bs, b)
			continue
		}
		if !json.Valid(a) {
			t.Errorf("query %d: the answer is not JSON: %.300s", i, a)
		}
	}
}

var requestIDs = regexp.MustCompile(`"requestId":"[0-9a-f]+"`)

func rawPost(t *testing.T, base string, body []byte) ([]byte, int) {
	t.Helper()
	res, err := http.Post(base+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, res.StatusCode
}

const introspectionQuery = `{ __schema { queryType { name } types { kind name description
	fields(includeDeprecated: true) { name description isDeprecated deprecationReason args { name description defaultValue type { kind name ofType { kind name ofType { kind name } } } }
	type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
	inputFields { name defaultValue } interfaces { name } enumValues(includeDeprecated: true) { name isDeprecated } possibleTypes { name } }
	directives { name locations args { name } } } }`

// wideQueries reads the schema and builds, for each root list of release
// objects, a selection of every field that takes no required argument, two
// object levels deep.
func wideQueries(t *testing.T, base string) []string {
	t.Helper()
	type typeRef struct {
		Kind   string   `json:"kind"`
		Name   *string  `json:"name"`
		OfType *typeRef `json:"ofType"`
	}
	type field struct {
		Name string `json:"name"`
		Args []struct {
			Type         typeRef `json:"type"`
			DefaultValue *string `json:"defaultValue"`
		} `json:"args"`
		Type typeRef `json:"type"`
	}
	var schema struct {
		Schema struct {
			Types []struct {
				Kind   string  `json:"kind"`
				Name   string  `json:"name"`
				Fields []field `json:"fields"`
			} `json:"types"`
		} `json:"__schema"`
	}
	body, _ := json.Marshal(map[string]any{"query": `{ __schema { types { kind name fields { name args { defaultValue type { kind } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`})
	raw, status := rawPost(t, base, body)
	var resp struct{ Data json.RawMessage }
	if err := json.Unmarshal(raw, &resp); err != nil || status != http.StatusOK {
		t.Fatalf("introspection: %d %.300s", status, raw)
	}
	if err := json.Unmarshal(resp.Data, &schema); err != nil {
		t.Fatal(err)
	}
	fieldsOf := map[string][]field{}
	kindOf := map[string]string{}
	for _, ty := range schema.Schema.Types {
		fieldsOf[ty.Name], kindOf[ty.Name] = ty.Fields, ty.Kind
	}
	named := func(r typeRef) string {
		for r.Name == nil && r.OfType != nil {
			r = *r.OfType
		}
		if r.Name == nil {
			return ""
		}
		return *r.Name
	}
	var sel func(typ string, depth int) string
	sel = func(typ string, depth int) string {
		var parts []string
		for _, f := range fieldsOf[typ] {
			required := false
			for _, a := range f.Args {
				required = required || (a.Type.Kind == "NON_NULL" && a.DefaultValue == nil)
			}
			// Fields that read other services or stored models are not release reads.
			if required || f.Name == "upstream" || f.Name == "actors" || strings.HasPrefix(f.Name, "__") {
				continue
			}
			n := named(f.Type)
			switch kindOf[n] {
			case "SCALAR", "ENUM":
				parts = append(parts, f.Name)
			case "OBJECT":
				if depth > 0 {
					if s := sel(n, depth-1); s != "" {
						parts = append(parts, f.Name+" "+s)
					}
				}
			case "INTERFACE", "UNION":
				if depth > 0 {
					parts = append(parts, f.Name+" { __typename }")
				}
			}
		}
		if len(parts) == 0 {
			return ""
		}
		sort.Strings(parts)
		return "{ " + strings.Join(parts, " ") + " }"
	}
	var out []string
	for _, root := range []string{"releases", "tactics", "techniques", "mitigations", "caseStudies"} {
		var typ string
		for _, f := range fieldsOf["Query"] {
			if f.Name == root {
				typ = named(f.Type)
			}
		}
		if typ == "" {
			t.Fatalf("no root field %s", root)
		}
		out = append(out, fmt.Sprintf("{ %s %s }", root, sel(typ, 2)))
	}
	return out
}
