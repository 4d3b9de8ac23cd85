package neo4jtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/store"
)

// TestResetKeepsOnlyTheMarker writes to the test instance through the
// ordinary helpers and checks that Reset empties it but for its marker.
func TestResetKeepsOnlyTheMarker(t *testing.T) {
	_, d := Store(t)
	db := Config(t).Database
	if _, err := neo4j.ExecuteQuery(t.Context(), d, `UNWIND range(1, 50) AS i CREATE (:ResetProbe {i: i})-[:NEXT]->(:ResetProbe)`, nil,
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(db)); err != nil {
		t.Fatal(err)
	}
	if n := Count(t, d, db, `MATCH (n:ResetProbe) RETURN count(n) AS n`, nil); n != 100 {
		t.Fatalf("wrote 100 nodes, found %d", n)
	}
	Reset(t, d, db)
	if n := Count(t, d, db, `MATCH (n) RETURN count(n) AS n`, nil); n != 1 {
		t.Errorf("after Reset %d nodes are left, want only the marker", n)
	}
	if n := Count(t, d, db, `MATCH (m:`+MarkerLabel+` {token: $t}) RETURN count(m) AS n`, map[string]any{"t": Instance(t).Token}); n != 1 {
		t.Errorf("the marker with this instance's token is gone (%d)", n)
	}
}

// TestEnvironmentIsIgnored checks that NEO4J_* variables pointing elsewhere
// do not change which server the tests use.
func TestEnvironmentIsIgnored(t *testing.T) {
	t.Setenv("NEO4J_URI", "bolt://127.0.0.1:1")
	t.Setenv("NEO4J_PASSWORD", "someone-elses")
	t.Setenv("ATLASGRAPH_NEO4J_PORT", "1")
	srv, err := RunScript(nil, "--test", "env")
	if err != nil {
		t.Fatal(err)
	}
	if srv.URI != Instance(t).URI || srv.URI == "bolt://127.0.0.1:1" {
		t.Errorf("the script describes %s, the tests use %s", srv.URI, Instance(t).URI)
	}
	for _, kv := range cleanEnv(os.Environ()) {
		if strings.HasPrefix(kv, "NEO4J_") || strings.HasPrefix(kv, "ATLASGRAPH_NEO4J_") {
			t.Errorf("%s reaches scripts/neo4j.sh", kv)
		}
	}
}

// TestBrowser fetches Neo4j Browser from the test instance's HTTP port and
// checks it is the Browser of this very server, with authentication on.
func TestBrowser(t *testing.T) {
	srv := Instance(t)
	if !strings.HasPrefix(srv.BrowserURL, "http://127.0.0.1:") || !strings.HasSuffix(srv.BrowserURL, "/browser/") {
		t.Fatalf("Browser URL %q: want http://127.0.0.1:PORT/browser/", srv.BrowserURL)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	get := func(url string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	resp, page := get(srv.BrowserURL)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(page, "<title>Neo4j Browser</title>") {
		t.Fatalf("GET %s = %d %s, page starts %.200q", srv.BrowserURL, resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}

	// The discovery document the Browser reads names this server's Bolt port.
	base := strings.TrimSuffix(srv.BrowserURL, "browser/")
	_, disc := get(base)
	var d struct {
		BoltDirect string `json:"bolt_direct"`
		Version    string `json:"neo4j_version"`
	}
	if err := json.Unmarshal([]byte(disc), &d); err != nil || d.BoltDirect != srv.URI || !strings.HasPrefix(d.Version, "5.") {
		t.Errorf("discovery %s = %s (%v), want bolt_direct %s", base, disc, err, srv.URI)
	}

	// Authentication is on for HTTP as for Bolt.
	tx := base + "db/neo4j/tx/commit"
	body := `{"statements":[{"statement":"RETURN 1"}]}`
	r, err := client.Post(tx, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST %s without credentials = %d, want 401", tx, r.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, tx, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(srv.Username, srv.Password)
	r, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Errorf("POST %s with the password = %d, want 200", tx, r.StatusCode)
	}
}

// TestIsolation starts a second, ordinary Neo4j with the project's script,
// as `make run` would (another instance name, its own port, not marked), and
// puts data in it. Then:
//   - the helper refuses to empty it, and its data survives;
//   - tests run in an environment that points at it (NEO4J_*,
//     ATLASGRAPH_NEO4J_INSTANCE and _PORT, as after `eval "$(scripts/neo4j.sh
//     start)"`), in a fresh test process and in this one, empty and restart
//     Neo4j and leave its data and its process as they were;
//   - a marker from another test instance does not make it wipeable either.
func TestIsolation(t *testing.T) {
	test := Instance(t) // the suite's own instance must be up first
	const name = "isolation-user"
	userEnv := []string{"ATLASGRAPH_NEO4J_INSTANCE=" + name, "ATLASGRAPH_NEO4J_PORT=auto",
		"ATLASGRAPH_NEO4J_HTTP_PORT=off", "ATLASGRAPH_NEO4J_HEAP=512m"}
	user, err := RunScript(userEnv, "start")
	if err != nil {
		t.Fatal(err)
	}
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// This test made the instance: remove it, data, logs and all.
		if _, err := RunScript(userEnv, "wipe"); err != nil {
			t.Errorf("remove the isolation instance: %v", err)
			return
		}
		os.RemoveAll(filepath.Join(root, ".neo4j", "instances", name))
	})
	if user.URI == test.URI || user.Token != "" {
		t.Fatalf("the user's instance %s (token %q) is not apart from the test instance %s", user.URI, user.Token, test.URI)
	}
	pidFile := filepath.Join(root, ".neo4j", "instances", name, "pid")
	pid := readPID(t, pidFile)

	ctx := t.Context()
	ucfg := user.Config()
	ud, err := store.Connect(ctx, ucfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ud.Close(context.Background())
	if _, err := neo4j.ExecuteQuery(ctx, ud, `UNWIND range(1, 300) AS i CREATE (:UserData {i: i})-[:OWNS]->(:UserData {i: -i})`, nil,
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(ucfg.Database)); err != nil {
		t.Fatal(err)
	}
	count := func() int { return Count(t, ud, ucfg.Database, `MATCH (n) RETURN count(n) AS n`, nil) }
	before := count()
	if before < 600 {
		t.Fatalf("the user's instance holds %d nodes after writing 600", before)
	}

	t.Run("refuses to wipe an unmarked Neo4j", func(t *testing.T) {
		err := reset(ctx, ud, ucfg.Database, test.Token)
		if !errors.Is(err, ErrNotTestInstance) || !strings.Contains(err.Error(), "no marker node") || !strings.Contains(err.Error(), user.URI) {
			t.Errorf("reset of the user's Neo4j: %v", err)
		}
		if n := count(); n != before {
			t.Errorf("the user's Neo4j had %d nodes, now %d", before, n)
		}
	})

	t.Run("tests in a shell set up for the user's Neo4j leave it alone", func(t *testing.T) {
		// The environment after `eval "$(scripts/neo4j.sh start)"` for the
		// user's instance, as when `make test` runs beside `make run`.
		userVars := map[string]string{
			"NEO4J_URI": user.URI, "NEO4J_USERNAME": user.Username, "NEO4J_PASSWORD": user.Password, "NEO4J_DATABASE": user.Database,
			"ATLASGRAPH_NEO4J_INSTANCE": name, "ATLASGRAPH_NEO4J_PORT": strings.TrimPrefix(user.URI, "bolt://127.0.0.1:"),
		}
		for k, v := range userVars {
			t.Setenv(k, v)
		}
		// A fresh test process (this test binary again) empties and fills
		// the database through Store and Reset...
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestResetKeepsOnlyTheMarker$", "-test.count=1", "-test.v")
		cmd.Env = os.Environ()
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestResetKeepsOnlyTheMarker") {
			t.Fatalf("the test run in the user's environment failed: %v\n%s", err, out)
		}
		// ...and a test that restarts Neo4j (as the server's
		// TestNeo4jRestart does) restarts the test instance only.
		StopServer(t)
		StartServer(t)
		_, d := Store(t)
		if n := Count(t, d, test.Database, `MATCH (n) RETURN count(n) AS n`, nil); n != 1 {
			t.Errorf("the restarted test instance holds %d nodes, want its marker only", n)
		}

		if n := count(); n != before {
			t.Errorf("the user's Neo4j had %d nodes, now %d", before, n)
		}
		if p := readPID(t, pidFile); p != pid {
			t.Errorf("the user's Neo4j was pid %d, now %d: it was restarted", pid, p)
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			t.Errorf("the user's Neo4j (pid %d) is gone: %v", pid, err)
		}
	})

	t.Run("another instance's marker does not make it wipeable", func(t *testing.T) {
		if _, err := neo4j.ExecuteQuery(ctx, ud, `CREATE (:`+MarkerLabel+` {token: 'from-elsewhere'})`, nil,
			neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(ucfg.Database)); err != nil {
			t.Fatal(err)
		}
		err := reset(ctx, ud, ucfg.Database, test.Token)
		if !errors.Is(err, ErrNotTestInstance) || !strings.Contains(err.Error(), "another test instance") {
			t.Errorf("reset of a Neo4j marked by another test instance: %v", err)
		}
		if n := count(); n != before+1 {
			t.Errorf("the user's Neo4j had %d nodes and the marker, now %d", before, n)
		}
	})
}

func readPID(t *testing.T, file string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return pid
}
