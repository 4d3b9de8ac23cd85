// Package web is atlasgraph's browser UI: a single page served at "/" with
// its assets under "/ui/", embedded in the binary so that it works
// air-gapped (no CDN, no build step, no Node for users).
//
// The page talks only to the GraphQL API at /graphql; it holds no data of
// its own and does not reach any other host. Views: the ATLAS matrix and
// technique pages, attack paths, case-study chains, release diffs and
// actors. The JavaScript is plain ES modules; the one third-party library,
// Cytoscape.js, is vendored from npm under static/vendor with its licence
// (see static/vendor/README.md for the version and digest).
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var files embed.FS

// csp lets the page load only its own assets and talk only to its own
// origin. Styles may be inline because Cytoscape.js sizes its canvases
// through style attributes; blob: and data: images carry PNG exports.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// Assets returns the embedded files, rooted at the folder that holds
// index.html.
func Assets() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil { // the embed pattern guarantees the folder
		panic(err)
	}
	return sub
}

// Index serves the page itself. Every view lives in the URL's fragment
// (hash routing), so this one handler serves them all.
func Index() http.Handler {
	assets := Assets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w)
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, assets, "index.html")
	})
}

// Files serves the page's assets; mount it with the prefix stripped, e.g.
// http.StripPrefix("/ui/", web.Files()).
func Files() http.Handler {
	fsrv := http.FileServerFS(Assets())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w)
		w.Header().Set("Cache-Control", "no-cache")
		fsrv.ServeHTTP(w, r)
	})
}

func setHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}
