package mcp_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
)

// pythonMCP is the version of the Python MCP SDK the wire format is checked
// with, installed from PyPI into .cache/mcp-venv (git-ignored) once.
const pythonMCP = "mcp==1.30.0"

// pythonVenv makes the virtual environment with the Python MCP SDK, or
// fails the test saying why: the check must not silently go missing.
func pythonVenv(t *testing.T) string {
	t.Helper()
	root, err := neo4jtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	venv := filepath.Join(root, ".cache", "mcp-venv")
	py := filepath.Join(venv, "bin", "python")
	want := strings.TrimPrefix(pythonMCP, "mcp==")
	if out, err := exec.Command(py, "-c", "import importlib.metadata as m; print(m.version('mcp'))").Output(); err == nil && strings.TrimSpace(string(out)) == want {
		return py
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, args := range [][]string{{"python3", "-m", "venv", "--clear", venv}, {py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", pythonMCP}} {
		if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("cannot install the Python MCP SDK (%s) for this test: %s: %v\n%s", pythonMCP, strings.Join(args, " "), err, out)
		}
	}
	return py
}

// TestPythonClient drives the binary from the Python MCP SDK over stdio,
// so the wire format is checked by someone else's code: the tool list with
// input schemas, search, a chain, a threat-model evaluation, a bad id as a
// tool error, every answer naming its release, and every successful answer
// valid against its tool's output schema (the Python client checks that).
func TestPythonClient(t *testing.T) {
	e := setup(t)
	py := pythonVenv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "pyclient.py"), e.binary, e.version, e.older, "Fancy Bear")
	cmd.Env = e.neo4jEnv()
	out, err := cmd.CombinedOutput()
	t.Logf("Python client:\n%s", out)
	if err != nil {
		t.Fatalf("the Python client's checks failed: %v", err)
	}
	if !strings.Contains(string(out), "all checks passed") || strings.Contains(string(out), "FAIL") {
		t.Fatalf("the Python client did not pass every check")
	}
}
