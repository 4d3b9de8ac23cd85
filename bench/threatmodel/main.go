// Command threatmodel measures threat-model reports: for synthetic models of
// 30, 100, 300 and 1,000 components it times, side by side in one run, the
// report computed in process (threatmodel.Evaluate on a cached release) and
// the same report asked for through the real HTTP server (GraphQL, the
// model stored in Neo4j, the release cached by the server), and for the
// 30-component model also evaluateThreatModel with the model file in the
// request. It prints medians and p90 over -n runs, the ratio of the server
// to the in-process time, and the memory one in-process evaluation
// allocates.
//
//	eval "$(scripts/neo4j.sh start)"; go run ./bench/threatmodel [-n 50]
//
// It loads 2026.05 as the current release if it is not loaded, and deletes
// the models it stores. It is a measurement, not a test.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/auth"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/threatmodel:", err)
		os.Exit(1)
	}
}

// synthetic builds a model of n components cycling through every kind,
// with properties drawn from a fixed seed, a chain of flows (every fifth
// across a trust boundary) plus random cross flows, and n/10 scoped controls.
func synthetic(n int) *threatmodel.Model {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	kinds := threatmodel.Kinds()
	var bools []string
	for _, p := range threatmodel.Properties() {
		if p.Type == threatmodel.TypeBool {
			bools = append(bools, p.Name)
		}
	}
	m := &threatmodel.Model{Name: fmt.Sprintf("synthetic %d", n)}
	for i := range n {
		c := threatmodel.Component{ID: fmt.Sprintf("c%04d", i), Kind: kinds[i%len(kinds)].Kind, Properties: map[string]threatmodel.Value{}}
		for _, p := range bools {
			if rng.IntN(4) == 0 {
				c.Properties[p] = threatmodel.Value{Type: threatmodel.TypeBool, Bool: true}
			}
		}
		m.Components = append(m.Components, c)
		if i > 0 {
			m.Flows = append(m.Flows, threatmodel.Flow{From: fmt.Sprintf("c%04d", i-1), To: c.ID, TrustBoundary: i%5 == 0})
		}
	}
	for i := range n {
		j := rng.IntN(n)
		if j != i {
			m.Flows = append(m.Flows, threatmodel.Flow{ID: fmt.Sprintf("x%d", i), From: fmt.Sprintf("c%04d", i), To: fmt.Sprintf("c%04d", j)})
		}
	}
	mits := []string{"AML.M0015", "AML.M0020", "AML.M0004", "AML.M0005", "AML.M0014", "AML.M0029", "AML.M0024", "AML.M0002"}
	for i := range max(1, n/10) {
		c := threatmodel.Control{ID: fmt.Sprintf("ctl%d", i), Mitigation: mits[i%len(mits)], Status: threatmodel.StatusImplemented}
		for range 3 {
			c.Scope = append(c.Scope, fmt.Sprintf("c%04d", rng.IntN(n)))
		}
		m.Controls = append(m.Controls, c)
	}
	return m
}

// toYAML writes a model as a model file (for evaluateThreatModel).
func toYAML(m *threatmodel.Model) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\ncomponents:\n", m.Name)
	for _, c := range m.Components {
		fmt.Fprintf(&b, "  - id: %s\n    kind: %s\n", c.ID, c.Kind)
		if len(c.Properties) > 0 {
			b.WriteString("    properties:\n")
			var keys []string
			for k := range c.Properties {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, "      %s: %s\n", k, c.Properties[k])
			}
		}
	}
	b.WriteString("flows:\n")
	for _, f := range m.Flows {
		fmt.Fprintf(&b, "  - {id: %q, from: %s, to: %s, trustBoundary: %v}\n", f.ID, f.From, f.To, f.TrustBoundary)
	}
	b.WriteString("controls:\n")
	for _, c := range m.Controls {
		fmt.Fprintf(&b, "  - {id: %s, mitigation: %s, status: implemented, scope: [%s]}\n", c.ID, c.Mitigation, strings.Join(c.Scope, ", "))
	}
	return b.String()
}

type stats struct{ p50, p90 time.Duration }

func measure(n int, f func() error) (stats, error) {
	for range 3 {
		if err := f(); err != nil {
			return stats{}, err
		}
	}
	ds := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if err := f(); err != nil {
			return stats{}, err
		}
		ds = append(ds, time.Since(t0))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return stats{ds[len(ds)/2], ds[len(ds)*9/10]}, nil
}

func run() error {
	fs := flag.NewFlagSet("bench/threatmodel", flag.ContinueOnError)
	cfg := config.Neo4jFlags(fs, os.Getenv)
	runs := fs.Int("n", 50, "timed runs per size and side")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	ctx := context.Background()
	driver, err := store.ConnectServing(ctx, cfg, store.ServingOptions{})
	if err != nil {
		return err
	}
	defer driver.Close(ctx)
	st := store.New(driver, cfg.Database)
	if _, err := st.Release(ctx, "2026.05"); err != nil {
		path, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _, err := loader.Parse(path, b, loader.Limits{})
		if err != nil {
			return err
		}
		if _, err := st.Load(ctx, rel, store.LoadOptions{Current: store.CurrentAlways}); err != nil {
			return err
		}
	}
	if err := st.EnsureThreatModelSchema(ctx); err != nil {
		return err
	}
	rel, err := st.Snapshot(ctx, "2026.05")
	if err != nil {
		return err
	}
	in := analysis.FromRelease(rel)
	rules, err := threatmodel.DefaultRules()
	if err != nil {
		return err
	}
	const token = "bench-editor"
	policy, _ := auth.Parse("bench", auth.Digest(token)+" editor", true)
	svc, err := app.New(ctx, st, app.Config{Serving: true, TxTimeout: server.DefaultTimeouts().Transaction, ThreatModels: true})
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{App: svc, Logger: slog.New(slog.DiscardHandler), Auth: policy})
	if err != nil {
		return err
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	post := func(query string, vars map[string]any) error {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest("POST", ts.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if bytes.Contains(b, []byte(`"errors"`)) {
			return fmt.Errorf("%s", b)
		}
		return nil
	}
	const reportQ = `query($id: ID!) { threatModel(id: $id) { report { summary { applicable residual incidents incidentsBroken residualPaths } applicableTechniques { id status } incidents { caseStudy broken } residualPaths { techniques } recommendedMitigations { id } } } }`
	fmt.Printf("ATLAS %s, %d runs per cell, GOMAXPROCS %d\n\n", rel.Version, *runs, runtime.GOMAXPROCS(0))
	fmt.Println("| components | flows | applicable | in process p50 / p90 | through the server p50 / p90 | server / in process | allocated per evaluation |")
	fmt.Println("|---:|---:|---:|---|---|---:|---:|")
	for _, n := range []int{30, 100, 300, 1000} {
		m := synthetic(n)
		if err := m.Validate(threatmodel.Limits{}); err != nil {
			return err
		}
		id := fmt.Sprintf("bench-%d", n)
		if _, err := svc.GetModel(ctx, id); err == nil {
			_ = svc.DeleteModel(ctx, id, mustVersion(ctx, svc, id))
		}
		if _, err := svc.CreateModel(ctx, id, m); err != nil {
			return err
		}
		var rep *threatmodel.Report
		local, err := measure(*runs, func() error {
			var err error
			rep, err = threatmodel.Evaluate(ctx, m, rel, in, rules, threatmodel.Options{AsOf: "2026-06-01"})
			return err
		})
		if err != nil {
			return err
		}
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		if _, err := threatmodel.Evaluate(ctx, m, rel, in, rules, threatmodel.Options{AsOf: "2026-06-01"}); err != nil {
			return err
		}
		runtime.ReadMemStats(&ms1)
		remote, err := measure(*runs, func() error { return post(reportQ, map[string]any{"id": id}) })
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %d | %d | %.1f ms / %.1f ms | %.1f ms / %.1f ms | %.2f | %.1f MiB |\n", n, len(m.Flows), rep.Summary.Applicable,
			ms(local.p50), ms(local.p90), ms(remote.p50), ms(remote.p90), float64(remote.p50)/float64(local.p50), float64(ms1.TotalAlloc-ms0.TotalAlloc)/(1<<20))
		if n == 30 {
			yaml := toYAML(m)
			ev, err := measure(*runs, func() error {
				return post(`query($y: String!) { evaluateThreatModel(yaml: $y) { summary { applicable residual } recommendedMitigations { id } } }`, map[string]any{"y": yaml})
			})
			if err != nil {
				return err
			}
			defer fmt.Printf("\n30 components, model file in the request (evaluateThreatModel, %d bytes): p50 %.1f ms, p90 %.1f ms\n", len(yaml), ms(ev.p50), ms(ev.p90))
		}
		_ = svc.DeleteModel(ctx, id, mustVersion(ctx, svc, id))
	}
	return nil
}

// mustVersion is the stored version of a model, 0 when there is none.
func mustVersion(ctx context.Context, svc *app.Service, id string) int {
	sm, err := svc.GetModel(ctx, id)
	if err != nil {
		return 0
	}
	return sm.Version
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
