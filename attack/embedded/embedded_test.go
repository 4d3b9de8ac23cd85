package embedded

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atlasgraph/atlasgraph/attack"
)

// TestExtractIsTheSharedBundles checks that the embedded extract is exactly the extract of
// the shared ATT&CK bundle: what `go generate` would write.
func TestExtractIsTheSharedBundles(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "data", "attack", "enterprise-attack-18.1.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("the shared ATT&CK bundle: %v", err)
	}
	defer f.Close()
	b, err := attack.Parse(f, filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := attack.Extract(&want, b); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(extractGz))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("the embedded extract differs from the shared bundle's (%d and %d bytes); run go generate ./attack/embedded", len(got), want.Len())
	}
	e, err := Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if e.Version != b.Version || e.SHA256 != b.SHA256 || len(e.Groups) != len(b.Groups) || len(e.Uses) != len(b.Uses) {
		t.Errorf("read back: ATT&CK %s (%d groups, %d uses), want %s (%d, %d)", e.Version, len(e.Groups), len(e.Uses), b.Version, len(b.Groups), len(b.Uses))
	}
	if diff := cmp.Diff(b.Groups, e.Groups); diff != "" {
		t.Errorf("groups (-bundle +extract):\n%s", diff)
	}
	var forest bool
	for _, g := range e.Groups {
		for _, a := range g.Aliases {
			forest = forest || a == "Forest Blizzard"
		}
	}
	if !forest {
		t.Error("no group has the alias Forest Blizzard")
	}
}
