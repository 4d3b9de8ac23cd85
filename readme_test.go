package atlasgraph_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/store"
)

// TestReadmeCypher runs every Cypher example of README.md, exactly as
// written, against a loaded release (the newest shared one, current), as a
// user would paste them into Neo4j Browser. Each must run and return rows.
func TestReadmeCypher(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	stmts := cypherExamples(string(readme))
	if len(stmts) < 3 {
		t.Fatalf("found %d Cypher examples in README.md; the test reads ```cypher blocks", len(stmts))
	}

	st, d := neo4jtest.Store(t)
	path, err := rawatlas.Shared(rawatlas.Releases[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rel, _, err := loader.Parse(path, b, loader.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(context.Background(), rel, store.LoadOptions{Current: store.CurrentAlways}); err != nil {
		t.Fatal(err)
	}
	db := neo4jtest.Config(t).Database

	for _, s := range stmts {
		t.Run(s.title, func(t *testing.T) {
			res, err := neo4j.ExecuteQuery(t.Context(), d, s.cypher, nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(db))
			if err != nil {
				t.Fatalf("README example fails:\n%s\n%v", s.cypher, err)
			}
			if len(res.Records) == 0 {
				t.Errorf("README example returns no rows on release %s:\n%s", rel.Version, s.cypher)
			}
		})
	}
}

type example struct{ title, cypher string }

var cypherBlock = regexp.MustCompile("(?s)```cypher\n(.*?)```")

// cypherExamples splits the README's cypher blocks into statements, each
// titled by the // comment above it.
func cypherExamples(md string) []example {
	var out []example
	for _, m := range cypherBlock.FindAllStringSubmatch(md, -1) {
		var title string
		var cur []string
		for _, line := range strings.Split(m[1], "\n") {
			trimmed := strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(trimmed, "//") && len(cur) == 0:
				title = strings.TrimSpace(strings.TrimPrefix(trimmed, "//"))
			case trimmed == "":
			default:
				cur = append(cur, line)
				if strings.HasSuffix(trimmed, ";") {
					out = append(out, example{title: title, cypher: strings.Join(cur, "\n")})
					title, cur = "", nil
				}
			}
		}
		if len(cur) > 0 {
			out = append(out, example{title: title, cypher: strings.Join(cur, "\n")})
		}
	}
	return out
}
