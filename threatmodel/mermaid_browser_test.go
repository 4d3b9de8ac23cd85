package threatmodel

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atlasgraph/atlasgraph/internal/nodetest"
)

// TestMermaidRendersNames draws a model whose names hold Mermaid's and HTML's special
// characters with Mermaid itself (npm mermaid, in Debian's chromium) and reads the labels
// back: each component and flow label shows exactly the name written in the model.
func TestMermaidRendersNames(t *testing.T) {
	exe, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/chromium.sh installs Debian's): %v", err)
	}
	dir := nodetest.Install(t, "mermaid@12.4.0")
	m := templateModel(t, "rag-chatbot")
	names := []string{"Agent #1; tools", "R&D &amp; ops", `the "quoted" <b>one</b>`, "C# | F# `code`"}
	for i := range m.Components {
		if i < len(names) {
			m.Components[i].Name = names[i]
		}
	}
	if len(m.Flows) == 0 {
		t.Fatal("the template has no flows")
	}
	m.Flows[0].Data = "prompts & #2; replies"
	m.Flows[0].TrustBoundary = false

	site := t.TempDir()
	js, err := os.ReadFile(filepath.Join(dir, "node_modules", "mermaid", "dist", "mermaid.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	diagram, _ := json.Marshal(Mermaid(m))
	page := `<!doctype html><meta charset="utf-8"><script src="mermaid.min.js"></script><div id="out"></div><script>
mermaid.initialize({startOnLoad: false, securityLevel: "strict"});
mermaid.render("g", ` + string(diagram) + `).then(r => { document.getElementById("out").innerHTML = r.svg; document.title = "drawn"; },
  e => { document.title = "error: " + e; });
</script>`
	for name, b := range map[string][]byte{"index.html": []byte(page), "mermaid.min.js": js} {
		if err := os.WriteFile(filepath.Join(site, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(site)))
	defer srv.Close()

	actx, cancelA := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(exe), chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()))
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelT()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/index.html")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.title !== ""`, chromedp.WithPollingTimeout(90*time.Second))); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	labels, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#out .nodeLabel, #out .edgeLabel")).map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if title != "drawn" {
		t.Fatalf("Mermaid did not draw the diagram: %s\n%s", title, Mermaid(m))
	}
	shown := strings.Join(labels, "\n")
	for _, want := range append(names, "prompts & #2; replies") {
		if !strings.Contains(shown, want) {
			t.Errorf("no label shows %q; the labels are:\n%s", want, shown)
		}
	}
}
