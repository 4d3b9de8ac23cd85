package web_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/web"
)

func serve(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", web.Index())
	mux.Handle("GET /ui/", http.StripPrefix("/ui/", web.Files()))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestServesPageAndAssets(t *testing.T) {
	ts := serve(t)
	for _, c := range []struct{ path, ctype, contains string }{
		{"/", "text/html", `<script type="module" src="/ui/js/app.js">`},
		{"/ui/js/app.js", "javascript", "hashchange"},
		{"/ui/app.css", "text/css", ".matrix"},
		{"/ui/vendor/cytoscape.esm.min.js", "javascript", "export"},
		{"/ui/vendor/LICENSE.cytoscape", "text/plain", "Permission is hereby granted"},
	} {
		res, body := get(t, ts.URL+c.path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", c.path, res.StatusCode)
			continue
		}
		if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, c.ctype) {
			t.Errorf("GET %s: Content-Type %q, want %s", c.path, ct, c.ctype)
		}
		if !strings.Contains(body, c.contains) {
			t.Errorf("GET %s: body lacks %q", c.path, c.contains)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q does not keep the page to its own origin", c.path, csp)
		}
	}
	if res, _ := get(t, ts.URL+"/ui/js/missing.js"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a missing asset answers %d, want 404", res.StatusCode)
	}
}

// Every module the page imports and every file index.html names is
// embedded, and nothing is loaded from another host (the UI must work
// air-gapped).
func TestAssetsAreSelfContained(t *testing.T) {
	assets := web.Assets()
	checked := 0
	ref := regexp.MustCompile(`(?:import\s*(?:[^'"]*?from\s*)?|import\()\s*['"]([^'"]+)['"]|(?:src|href)="([^"#][^"]*)"`)
	err := fs.WalkDir(assets, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, "vendor/") || !(strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".html")) {
			return err
		}
		b, err := fs.ReadFile(assets, p)
		if err != nil {
			return err
		}
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			target := m[1] + m[2]
			switch {
			case strings.HasPrefix(target, "data:"):
				continue
			case strings.Contains(target, "://"), strings.HasPrefix(target, "//"):
				t.Errorf("%s loads %s from another host", p, target)
				continue
			case strings.HasPrefix(target, "/graphiql"), strings.HasPrefix(target, "${"):
				continue
			}
			var local string
			if strings.HasPrefix(target, "/ui/") {
				local = strings.TrimPrefix(target, "/ui/")
			} else if strings.HasPrefix(target, ".") {
				local = path.Join(path.Dir(p), target)
			} else {
				continue
			}
			checked++
			if _, err := fs.Stat(assets, local); err != nil {
				t.Errorf("%s refers to %s, which is not embedded", p, target)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Errorf("only %d local references found; the pattern no longer matches the page's imports", checked)
	}
}
