package loader_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
)

// upstream serves a copy of atlas-data's dist folder from the shared
// releases: the manifest, the v6 file, and the ATLAS-latest.yaml symlink as
// a raw download returns it (the target's name).
func upstream(t *testing.T, manifest string) *httptest.Server {
	t.Helper()
	v6, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := rawatlas.Shared("atlas/ATLAS-5.6.0.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/dist/manifest.yaml", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(manifest)) })
	mux.HandleFunc("/dist/v6/ATLAS-2026.05.yaml", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, v6) })
	mux.HandleFunc("/dist/ATLAS.yaml", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, legacy) })
	mux.HandleFunc("/dist/ATLAS-latest.yaml", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("v6/ATLAS-2026.05.yaml")) })
	// What GitHub answers for a "blob" link: the page that shows the file.
	mux.HandleFunc("/blob/ATLAS.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!DOCTYPE html><html><body>---\nATLAS\n---\n</body></html>"))
	})
	// The same page served without a content type.
	mux.HandleFunc("/blob/untyped.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil
		w.Write([]byte("\n<html><body>---\nATLAS\n---\n</body></html>"))
	})
	mux.HandleFunc("/dist/logo.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// localUpstream lays out a copy of atlas-data's dist folder in a temporary
// folder, as a user who cloned atlas-data has it.
func localUpstream(t *testing.T, manifest string) string {
	t.Helper()
	dir := t.TempDir()
	for path, shared := range map[string]string{"v6/ATLAS-2026.05.yaml": "atlas/v6/ATLAS-2026.05.yaml", "ATLAS.yaml": "atlas/ATLAS-5.6.0.yaml"} {
		src, err := rawatlas.Shared(shared)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const manifest = `- release: '2026.05'
  release-date: '2026-05-27'
  versions:
  - format-version: 6.0.0
    path: v6/ATLAS-2026.05.yaml
- release: '5.6.0'
  release-date: '2026-01-10'
  versions:
  - format-version: 5.0.0
    path: dist/ATLAS.yaml
`

const sha202605 = "defd9014c6d5f5954460ef438faea583fcb1830ff81e85709628efb43037cc3a"

func TestFetchUpstream(t *testing.T) {
	srv := upstream(t, manifest)
	f := loader.Fetcher{Client: srv.Client()}
	ctx := context.Background()
	base := srv.URL + "/dist/"
	localDist := localUpstream(t, manifest)

	tests := []struct {
		name    string
		src     loader.Source
		wantURL string
		wantVer string
		wantErr string
	}{
		{name: "newest by default", src: loader.Source{Upstream: base}, wantURL: base + "v6/ATLAS-2026.05.yaml", wantVer: "2026.05"},
		{name: "latest", src: loader.Source{Upstream: base, Release: loader.Latest}, wantURL: base + "v6/ATLAS-2026.05.yaml", wantVer: "2026.05"},
		{name: "an HTML page", src: loader.Source{URL: srv.URL + "/blob/ATLAS.yaml"}, wantErr: "got text/html from " + srv.URL + "/blob/ATLAS.yaml, expected a YAML release"},
		{name: "an untyped HTML page", src: loader.Source{URL: srv.URL + "/blob/untyped.yaml"}, wantErr: "got an HTML page"},
		{name: "an image", src: loader.Source{URL: base + "logo.yaml"}, wantErr: "got image/png from"},
		{name: "local upstream, newest", src: loader.Source{Upstream: localDist}, wantURL: filepath.Join(localDist, "v6", "ATLAS-2026.05.yaml"), wantVer: "2026.05"},
		{name: "local upstream, by name", src: loader.Source{Upstream: localDist, Release: "5.6.0"}, wantURL: filepath.Join(localDist, "ATLAS.yaml"), wantVer: "5.6.0"},
		{name: "local upstream as file URL", src: loader.Source{Upstream: "file://" + localDist + "/"}, wantVer: "2026.05"},
		{name: "local upstream missing", src: loader.Source{Upstream: filepath.Join(localDist, "nope")}, wantErr: "is not a folder nor an http(s) URL"},
		{name: "by name", src: loader.Source{Upstream: base, Release: "5.6.0"}, wantURL: base + "ATLAS.yaml", wantVer: "5.6.0"},
		{name: "pinned digest", src: loader.Source{Upstream: base, Release: "2026.05", SHA256: sha202605}, wantVer: "2026.05"},
		{name: "wrong digest", src: loader.Source{Upstream: base, SHA256: strings.Repeat("0", 64)}, wantErr: "not the 0000"},
		{name: "unknown release", src: loader.Source{Upstream: base, Release: "1999.01"}, wantErr: `upstream has no release "1999.01"; it has 2026.05, 5.6.0`},
		{name: "symlink is refused", src: loader.Source{URL: base + "ATLAS-latest.yaml"}, wantErr: "holds only the name"},
		{name: "missing file", src: loader.Source{URL: base + "nope.yaml"}, wantErr: "404"},
		{name: "bad upstream", src: loader.Source{Upstream: srv.URL + "/nowhere/"}, wantErr: "cannot read the upstream release list"},
		{name: "not a URL", src: loader.Source{URL: "ftp://example.org/x.yaml"}, wantErr: "not an http(s) URL"},
		{name: "local file", src: loader.Source{Path: "testdata/mini-v6.yaml"}, wantURL: "testdata/mini-v6.yaml", wantVer: "0.1"},
		{name: "missing local file", src: loader.Source{Path: "testdata/none.yaml"}, wantErr: "no such file"},
		{name: "folder", src: loader.Source{Path: "testdata"}, wantErr: "is a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, data, err := f.Fetch(ctx, tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantURL != "" && name != tt.wantURL {
				t.Errorf("fetched %s, want %s", name, tt.wantURL)
			}
			rel, _, err := loader.Parse(name, data, loader.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if rel.Version != tt.wantVer {
				t.Errorf("version %s, want %s", rel.Version, tt.wantVer)
			}
		})
	}
}

func TestFetchSizeCap(t *testing.T) {
	srv := upstream(t, manifest)
	f := loader.Fetcher{Client: srv.Client(), MaxBytes: 1000}
	_, _, err := f.Fetch(context.Background(), loader.Source{Upstream: srv.URL + "/dist/"})
	if err == nil || !strings.Contains(err.Error(), "larger than the limit of 1000 bytes") {
		t.Errorf("error = %v", err)
	}
	if _, err := os.Stat("testdata/mini-v6.yaml"); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.Fetch(context.Background(), loader.Source{Path: "testdata/mini-v6.yaml"})
	if err == nil || !strings.Contains(err.Error(), "larger than the limit") {
		t.Errorf("local file over the cap: %v", err)
	}
}
