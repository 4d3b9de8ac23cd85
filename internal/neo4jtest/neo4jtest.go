// Package neo4jtest gives tests a real Neo4j of their own: the test instance
// that `scripts/neo4j.sh --test` manages (.neo4j/instances/test, on free
// ports chosen when it starts), never the server `make run` uses and never a
// database named by NEO4J_* variables, which this package ignores.
//
// The first test of a process that needs Neo4j starts the test instance (or
// reuses it when it runs: `make test` starts it once for the whole run), so
// `go test ./store` works on its own too. When it cannot start, the test
// fails with the script's reason; tests that need Neo4j never skip.
//
// A test instance is marked when its data folder is created: a node
// (:AtlasgraphTestInstance {token}) whose token the script keeps in the
// instance folder. Config checks the mark before any test uses the database,
// and Reset checks it again before every wipe, so a database this package
// did not create is never written to or emptied, whatever points at it.
// Reset keeps the marker node; queries counting every node of a test
// database see it.
//
// Tests must run one package at a time (`go test -p 1`, as `make test`
// does): they share the one test database.
package neo4jtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/store"
)

// MarkerLabel is the label of the node that marks a test instance.
const MarkerLabel = "AtlasgraphTestInstance"

// Database is the database the test instance serves (Neo4j Community has
// one user database).
const Database = "neo4j"

// startTimeout bounds one run of scripts/neo4j.sh: a first start downloads
// Neo4j with Maven and compiles the launcher.
const startTimeout = 8 * time.Minute

// Server is a Neo4j started by scripts/neo4j.sh, as its output describes it.
type Server struct {
	URI, Username, Password, Database string
	// BrowserURL is Neo4j Browser's address, "" when HTTP is off.
	BrowserURL string
	// Token is the test marker's token ("" for a server started without
	// --test).
	Token string
}

// Config returns the settings of the neo4j database of this server.
func (s *Server) Config() *config.Neo4j {
	return &config.Neo4j{URI: s.URI, Username: s.Username, Password: s.Password, Database: s.Database, ConnectTimeout: 30 * time.Second}
}

var (
	instanceOnce sync.Once
	instance     *Server
	instanceErr  error
)

// Instance returns the test instance, starting it the first time in this
// process and checking its mark; it fails the test with the reason when the
// instance cannot start or is not marked.
func Instance(t testing.TB) *Server {
	t.Helper()
	instanceOnce.Do(func() {
		instance, instanceErr = startTestInstance()
	})
	if instanceErr != nil {
		t.Fatalf("the test Neo4j is not available, so this test cannot run: %v", instanceErr)
	}
	return instance
}

func startTestInstance() (*Server, error) {
	srv, err := RunScript(nil, "--test", "start")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := store.Connect(ctx, srv.Config())
	if err != nil {
		return nil, fmt.Errorf("the test Neo4j started but does not answer: %w", err)
	}
	defer d.Close(ctx)
	if err := checkMarker(ctx, d, srv.Database, srv.Token, srv.URI); err != nil {
		return nil, err
	}
	return srv, nil
}

// Config returns the settings of the test Neo4j (starting it if needed).
func Config(t testing.TB) *config.Neo4j {
	t.Helper()
	return Instance(t).Config()
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

// Reset deletes every node and relationship of the test database except its
// marker; constraints and indexes stay. It first checks that d reaches the
// marked test instance of this process and refuses, failing the test, when
// it does not.
func Reset(t testing.TB, d neo4j.DriverWithContext, database string) {
	t.Helper()
	if err := reset(context.Background(), d, database, Instance(t).Token); err != nil {
		t.Fatal(err)
	}
}

// reset empties database after checking that it carries the marker with
// token.
func reset(ctx context.Context, d neo4j.DriverWithContext, database, token string) error {
	if err := checkMarker(ctx, d, database, token, ""); err != nil {
		return err
	}
	sess := d.NewSession(ctx, neo4j.SessionConfig{DatabaseName: database})
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, `MATCH (n) WHERE NOT n:`+MarkerLabel+` CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`, nil)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	if err != nil {
		return fmt.Errorf("empty the test database: %w", err)
	}
	return nil
}

// ErrNotTestInstance is returned (wrapped) when a database does not carry
// the test marker this process expects.
var ErrNotTestInstance = errors.New("not the test instance")

// checkMarker returns nil when database holds exactly one marker node with
// token. where names the server in the message ("" for the driver's).
func checkMarker(ctx context.Context, d neo4j.DriverWithContext, database, token, where string) error {
	if where == "" {
		u := d.Target()
		where = u.String()
	}
	refuse := func(why string) error {
		return fmt.Errorf("refusing to use or empty Neo4j database %q at %s: %w: %s. Tests only write to the test instance "+
			"that `scripts/neo4j.sh --test` created and marked (a node :%s whose token is in .neo4j/instances/test/test-marker); "+
			"if this is an old test instance from before the marker, delete it with `scripts/neo4j.sh --test wipe`",
			database, where, ErrNotTestInstance, why, MarkerLabel)
	}
	if token == "" {
		return refuse("this process has no test-instance token (the server was not started with --test)")
	}
	res, err := neo4j.ExecuteQuery(ctx, d, `MATCH (m:`+MarkerLabel+`) RETURN m.token AS token`, nil,
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(database))
	if err != nil {
		return fmt.Errorf("check the test marker of Neo4j database %q at %s: %w", database, where, err)
	}
	switch n := len(res.Records); {
	case n == 0:
		return refuse("it has no marker node, so it is not a test instance")
	case n > 1:
		return refuse(fmt.Sprintf("it has %d marker nodes; a test instance has one", n))
	}
	got, _ := res.Records[0].Get("token")
	if s, _ := got.(string); s != token {
		return refuse("its marker belongs to another test instance")
	}
	return nil
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

// StopServer stops the test instance (for tests of what clients do while
// Neo4j is down); StartServer starts it again on the same ports.
func StopServer(t testing.TB) {
	t.Helper()
	Instance(t)
	if _, err := RunScript(nil, "--test", "stop"); err != nil {
		t.Fatalf("stop the test Neo4j: %v", err)
	}
}

// StartServer starts the test instance again after StopServer and fails the
// test if it comes back elsewhere than before.
func StartServer(t testing.TB) {
	t.Helper()
	want := Instance(t)
	got, err := RunScript(nil, "--test", "start")
	if err != nil {
		t.Fatalf("start the test Neo4j again: %v", err)
	}
	if got.URI != want.URI || got.Token != want.Token {
		t.Fatalf("the test Neo4j came back as %s (token %q), not %s: another program took its port meanwhile", got.URI, got.Token, want.URI)
	}
}

// RepoRoot returns the folder holding go.mod above the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// RunScript runs scripts/neo4j.sh with args in an environment without any
// NEO4J_* or ATLASGRAPH_NEO4J_* variable, plus env ("KEY=VALUE"), and
// returns the server its output describes (nil for commands that print
// nothing). A failure carries the script's messages.
func RunScript(env []string, args ...string) (*Server, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "neo4j.sh"), args...)
	cmd.Env = append(cleanEnv(os.Environ()), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("scripts/neo4j.sh %s failed (%v):\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	if stdout.Len() == 0 {
		return nil, nil
	}
	return parseEnv(stdout.String())
}

// cleanEnv drops the settings of any other Neo4j from environ.
func cleanEnv(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if strings.HasPrefix(kv, "NEO4J_") || strings.HasPrefix(kv, "ATLASGRAPH_NEO4J_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// plain is what bash's printf %q leaves unquoted; the script's values
// (generated passwords, tokens, URLs) are all of this kind.
var plain = regexp.MustCompile(`^[A-Za-z0-9@%+=:,./_-]*$`)

// parseEnv reads the KEY=VALUE lines of scripts/neo4j.sh start or env.
func parseEnv(out string) (*Server, error) {
	vals := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || strings.HasPrefix(k, "export ") {
			continue
		}
		if !plain.MatchString(v) {
			return nil, fmt.Errorf("scripts/neo4j.sh printed %s in a form this helper does not read (shell quoting)", k)
		}
		vals[k] = v
	}
	s := &Server{URI: vals["NEO4J_URI"], Username: vals["NEO4J_USERNAME"], Password: vals["NEO4J_PASSWORD"],
		Database: vals["NEO4J_DATABASE"], BrowserURL: vals["NEO4J_BROWSER_URL"], Token: vals["ATLASGRAPH_NEO4J_TEST_TOKEN"]}
	if s.URI == "" || s.Password == "" {
		return nil, fmt.Errorf("scripts/neo4j.sh printed no NEO4J_URI/NEO4J_PASSWORD")
	}
	if s.Username == "" {
		s.Username = "neo4j"
	}
	if s.Database == "" {
		s.Database = Database
	}
	return s, nil
}
