// Package neo4jtest connects tests to the real Neo4j that `make test`
// starts (scripts/neo4j.sh), and empties it between tests.
//
// When NEO4J_URI is not set, tests that need Neo4j are skipped with a note,
// except under CI (CI set), where they fail: CI must never pass green
// without having run them. When NEO4J_URI is set and Neo4j does not answer,
// they fail everywhere.
package neo4jtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/store"
)

// Config returns the settings of the test Neo4j, or stops the test.
func Config(t testing.TB) *config.Neo4j {
	t.Helper()
	if os.Getenv(config.EnvURI) == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set under CI: the tests that need Neo4j must run; start it with `make test` (scripts/neo4j.sh)", config.EnvURI)
		}
		t.Skipf("%s is not set; run `make test` to start a local Neo4j and run every test", config.EnvURI)
	}
	cfg := &config.Neo4j{
		URI: os.Getenv(config.EnvURI), Username: os.Getenv(config.EnvUsername), Password: os.Getenv(config.EnvPassword),
		Database: os.Getenv(config.EnvDatabase), ConnectTimeout: 30 * time.Second,
	}
	if cfg.Username == "" {
		cfg.Username = "neo4j"
	}
	if cfg.Database == "" {
		cfg.Database = "neo4j"
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test Neo4j settings: %v", err)
	}
	return cfg
}

// Driver connects to the test Neo4j and closes the driver when the test ends.
func Driver(t testing.TB) (neo4j.DriverWithContext, *config.Neo4j) {
	t.Helper()
	cfg := Config(t)
	d, err := store.Connect(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Neo4j did not answer: %v", err)
	}
	t.Cleanup(func() { d.Close(context.Background()) })
	return d, cfg
}

// Store returns a store over an emptied test database.
func Store(t testing.TB) (*store.Store, neo4j.DriverWithContext) {
	t.Helper()
	d, cfg := Driver(t)
	Reset(t, d, cfg.Database)
	return store.New(d, cfg.Database), d
}

// Reset deletes every node and relationship; constraints and indexes stay.
func Reset(t testing.TB, d neo4j.DriverWithContext, database string) {
	t.Helper()
	ctx := context.Background()
	sess := d.NewSession(ctx, neo4j.SessionConfig{DatabaseName: database})
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, `MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`, nil)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	if err != nil {
		t.Fatalf("empty the test database: %v", err)
	}
}

// Count runs a query returning one integer column n.
func Count(t testing.TB, d neo4j.DriverWithContext, database, cypher string, params map[string]any) int {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), d, cypher, params, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(database))
	if err != nil {
		t.Fatalf("query %q: %v", cypher, err)
	}
	if len(res.Records) != 1 {
		t.Fatalf("query %q: want one row, got %d", cypher, len(res.Records))
	}
	n, _ := res.Records[0].Get("n")
	v, ok := n.(int64)
	if !ok {
		t.Fatalf("query %q: n is %T, not an integer", cypher, n)
	}
	return int(v)
}
