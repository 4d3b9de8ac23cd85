package codescan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"atlasgraph v1.2.0": "1.2.0",
		"atlasgraph v1.2.0\ncommit 0123456789ab (modified), 2026-12-01\nbuilt with go1.26": "1.2.0+0123456789ab",
		"atlasgraph (devel)\nbuilt with go1.26.8\nembedded ATLAS release 2026.05":          "0.0.0-devel",
		"atlasgraph (devel)\ncommit abcdef012345":                                          "0.0.0-devel+abcdef012345",
	} {
		if got := OneLine(in); got != want || strings.Contains(got, "\n") {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRoots(t *testing.T) {
	repo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(repo, "a b", "m.yaml")
	wd := t.TempDir()
	root, err := FindRoot("", file, wd)
	if err != nil || root.Dir != repo {
		t.Fatalf("FindRoot in a repository = %+v, %v; want %s", root, err, repo)
	}
	if u, err := root.URIOf(file); err != nil || u != "a%20b/m.yaml" {
		t.Errorf("URIOf = %q, %v", u, err)
	}
	outside := filepath.Join(t.TempDir(), "m.yaml")
	root, err = FindRoot("", outside, wd)
	if err != nil || root.Dir != wd {
		t.Fatalf("FindRoot outside a repository = %+v, %v; want the working directory", root, err)
	}
	if _, err := root.URIOf(outside); err == nil || !strings.Contains(err.Error(), "--sarif-root") {
		t.Errorf("a file outside the root: %v, want an error naming --sarif-root", err)
	}
	if _, err := FindRoot(filepath.Join(wd, "nope"), outside, wd); err == nil {
		t.Error("a --sarif-root that does not exist was accepted")
	}
}
