package loader_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
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
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
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

	tests := []struct {
		name    string
		src     loader.Source
		wantURL string
		wantVer string
		wantErr string
	}{
		{name: "newest by default", src: loader.Source{Upstream: base}, wantURL: base + "v6/ATLAS-2026.05.yaml", wantVer: "2026.05"},
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
