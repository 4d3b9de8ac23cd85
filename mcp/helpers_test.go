package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/store"
)

// The releases the tests load: 2026.05 current, 5.6.0 beside it for the
// diff.
const (
	current = "atlas/v6/ATLAS-2026.05.yaml"
	older   = "atlas/ATLAS-5.6.0.yaml"
	// attackFile is ATT&CK Enterprise, loaded with the current release.
	attackFile = "attack/enterprise-attack-18.1.json"
)

// env is what the tests share: the test Neo4j emptied and loaded once, its
// settings, an application layer over it (the expected answers) and the
// built binary.
type env struct {
	cfg     *config.Neo4j
	store   *store.Store
	svc     *app.Service
	version string // the current release's version
	older   string
	binary  string
}

var (
	shared     *env
	sharedErr  string
	sharedOnce sync.Once
	binDir     string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func setup(t *testing.T) *env {
	t.Helper()
	cfg := neo4jtest.Config(t) // fails, never skips, when Neo4j cannot start
	sharedOnce.Do(func() {
		sharedErr = "setup failed"
		ctx := context.Background()
		d, err := store.ConnectServing(ctx, cfg, store.ServingOptions{})
		if err != nil {
			sharedErr = err.Error()
			return
		}
		neo4jtest.Reset(t, d, cfg.Database)
		st := store.New(d, cfg.Database)
		bin, err := build()
		if err != nil {
			sharedErr = err.Error()
			return
		}
		// The older release through the store, the current one with
		// ATT&CK Enterprise through the command line, as a user loads them
		// (actors are then found by every ATT&CK alias).
		path, err := rawatlas.Shared(older)
		if err != nil {
			sharedErr = err.Error()
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			sharedErr = err.Error()
			return
		}
		old, _, err := loader.Parse(path, b, loader.Limits{})
		if err != nil {
			sharedErr = err.Error()
			return
		}
		if _, err := st.Load(ctx, old, store.LoadOptions{Current: store.CurrentNever}); err != nil {
			sharedErr = err.Error()
			return
		}
		cur, err := rawatlas.Shared(current)
		if err != nil {
			sharedErr = err.Error()
			return
		}
		enterprise, err := rawatlas.Shared(attackFile)
		if err != nil {
			sharedErr = err.Error()
			return
		}
		load := exec.Command(bin, "load", "--quiet", cur, "--attack", enterprise)
		load.Env = (&env{cfg: cfg}).neo4jEnv()
		if out, err := load.CombinedOutput(); err != nil {
			sharedErr = fmt.Sprintf("atlasgraph load: %v\n%s", err, out)
			return
		}
		svc, err := app.New(ctx, st, app.Config{Serving: true, ThreatModels: true})
		if err != nil {
			sharedErr = err.Error()
			return
		}
		info, err := svc.CompleteRelease(ctx, "")
		if err != nil {
			sharedErr = err.Error()
			return
		}
		shared, sharedErr = &env{cfg: cfg, store: st, svc: svc, version: info.Version, older: old.Version, binary: bin}, ""
	})
	if shared == nil {
		t.Fatalf("test environment: %s", sharedErr)
	}
	return shared
}

// build compiles atlasgraph once for the tests that drive the binary.
func build() (string, error) {
	root, err := neo4jtest.RepoRoot()
	if err != nil {
		return "", err
	}
	binDir, err = os.MkdirTemp("", "atlasgraph-mcp-test-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(binDir, "atlasgraph")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/atlasgraph")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// neo4jEnv is the environment that points the binary at the test Neo4j.
func (e *env) neo4jEnv() []string {
	return []string{"NEO4J_URI=" + e.cfg.URI, "NEO4J_USERNAME=" + e.cfg.Username, "NEO4J_PASSWORD=" + e.cfg.Password,
		"NEO4J_DATABASE=" + e.cfg.Database, "HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH")}
}

// stdioSession starts `atlasgraph mcp` with args and connects the SDK's
// client to it; the process's stderr is kept for the test to read.
func (e *env) stdioSession(t *testing.T, stderr *syncBuffer, args ...string) *sdk.ClientSession {
	t.Helper()
	cmd := exec.Command(e.binary, append([]string{"mcp"}, args...)...)
	cmd.Env = e.neo4jEnv()
	cmd.Stderr = stderr
	client := sdk.NewClient(&sdk.Implementation{Name: "atlasgraph-test", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect over stdio: %v (stderr: %s)", err, stderr.String())
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// syncBuffer is a buffer the process writes to while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// answer is a successful tool result: its structured content, decoded, and
// its text blocks. It fails the test when the call failed or when the first
// text block is not the structured content's JSON.
type answer struct {
	data  map[string]any
	raw   json.RawMessage
	texts []string
}

func call(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any) answer {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	a := decode(t, tool, res)
	if res.IsError {
		t.Fatalf("%s(%v) failed: %v", tool, args, a.texts)
	}
	if len(a.texts) == 0 {
		t.Fatalf("%s: no text content", tool)
	}
	var fromText any
	if err := json.Unmarshal([]byte(a.texts[0]), &fromText); err != nil {
		t.Fatalf("%s: the first text block is not JSON: %v", tool, err)
	}
	if !jsonEqual(fromText, a.data) {
		t.Errorf("%s: the text block is not the structured content", tool)
	}
	rel, _ := a.data["release"].(map[string]any)
	if rel == nil || rel["version"] == "" || len(fmt.Sprint(rel["sha256"])) != 64 {
		t.Errorf("%s: the answer does not name its release {version, sha256}: %v", tool, a.data["release"])
	}
	if _, ok := a.data["evidence"].([]any); !ok {
		t.Errorf("%s: the answer has no evidence list", tool)
	}
	return a
}

// toolError calls a tool that must fail and returns its {code, message}.
func toolError(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any) (code, message string) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: a protocol error instead of a tool error: %v", tool, err)
	}
	a := decode(t, tool, res)
	if !res.IsError {
		t.Fatalf("%s(%v) succeeded; want a tool error", tool, args)
	}
	code, _ = a.data["code"].(string)
	message, _ = a.data["message"].(string)
	if code == "" || message == "" || len(a.texts) != 1 || a.texts[0] != code+": "+message {
		t.Fatalf("%s: tool error not {code, message} with text CODE: message: %s / %v", tool, a.raw, a.texts)
	}
	return code, message
}

func decode(t *testing.T, tool string, res *sdk.CallToolResult) answer {
	t.Helper()
	var a answer
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			a.texts = append(a.texts, tc.Text)
		}
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	a.raw = raw
	if err := json.Unmarshal(raw, &a.data); err != nil || a.data == nil {
		t.Fatalf("%s: structured content is not an object: %s", tool, raw)
	}
	return a
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// asJSON is v as a generic JSON value, for comparing with an answer.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// ids are the "id" fields of a list of objects.
func ids(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			if id, ok := m["id"].(string); ok {
				out = append(out, id)
			} else if obj, ok := m["mitigation"].(map[string]any); ok {
				out = append(out, fmt.Sprint(obj["id"]))
			} else if obj, ok := m["technique"].(map[string]any); ok {
				out = append(out, fmt.Sprint(obj["id"]))
			}
		}
	}
	return out
}
