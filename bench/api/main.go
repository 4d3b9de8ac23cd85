// Command api measures what the GraphQL API adds on top of Neo4j: it loads
// 2026.05 (or -file), starts the real HTTP server on a loopback port, and
// runs a fixed mix of queries two ways in the same process against the same
// Neo4j:
//
//   - http: the GraphQL query, POSTed to the server over HTTP;
//   - raw: the very Cypher statements the server sent for that query (recorded
//     once through store.WithQueryObserver), straight through the Go driver
//     with the same options, one after the other.
//
// Each query is run for -duration per side and round, serially (-clients 1:
// latency) and then with -parallel clients (throughput); sides alternate so
// both see the same machine load. The report gives, per query, the medians
// over -rounds of p50, p99 and throughput, and the ratios.
//
//	eval "$(scripts/neo4j.sh start)"; go run ./bench/api [-rounds 5] [-duration 2s]
//
// It loads 2026.05 as the current release if it is not loaded; other
// releases are not touched. It is a measurement, not a test: nothing fails
// on the figures.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/bench/internal/machine"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
)

// mix is the fixed set of queries.
var mix = []struct{ name, query string }{
	{"entity", `{ technique(id: "AML.T0051") { id name description maturity platforms } }`},
	{"entity+nested", `{ technique(id: "AML.T0051") { id name maturity platforms tactics { id } parent { id } subtechniques { id } mitigations { mitigation { id } description } caseStudies { id } } }`},
	{"case study", `{ caseStudy(id: "AML.CS0000") { id name type actorText actors { id name } steps { stepId technique { id } tactic { id } leadsTo { stepId } } } }`},
	{"list", `{ techniques(filter: {tactic: "AML.TA0005"}) { id name maturity } }`},
	{"deep", `{ techniques { id tactics { id } mitigations { mitigation { id } description } caseStudies { id } } }`},
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/api:", err)
		os.Exit(1)
	}
}

type statement struct {
	cypher string
	params map[string]any
}

func run() error {
	fs := flag.NewFlagSet("bench/api", flag.ContinueOnError)
	cfg := config.Neo4jFlags(fs, os.Getenv)
	file := fs.String("file", "", "release file (default ../shared/data/atlas/v6/ATLAS-2026.05.yaml)")
	rounds := fs.Int("rounds", 5, "rounds; medians are reported")
	duration := fs.Duration("duration", 2*time.Second, "time per query, side, mode and round")
	parallel := fs.Int("parallel", 8, "clients of the throughput mode")
	only := fs.String("only", "", "run only the query of this name (entity, deep, ...)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the measurements to this file")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	ctx := context.Background()
	if *file == "" {
		p, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
		if err != nil {
			return err
		}
		*file = p
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	rel, _, err := loader.Parse(*file, data, loader.DefaultLimits())
	if err != nil {
		return err
	}
	driver, err := store.ConnectServing(ctx, cfg, store.ServingOptions{PoolSize: 4 * *parallel})
	if err != nil {
		return err
	}
	defer driver.Close(ctx)
	st := store.New(driver, cfg.Database)
	if _, err := st.Load(ctx, rel, store.LoadOptions{Current: store.CurrentAlways}); err != nil {
		return err
	}

	svc, err := app.New(ctx, st, app.Config{Serving: true, TxTimeout: server.DefaultTimeouts().Transaction})
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{App: svc, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = srv.Serve(sctx, ln) }()
	url := "http://" + ln.Addr().String() + "/graphql"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * *parallel}}
	reader := store.NewReader(st, store.ReaderOptions{TxTimeout: server.DefaultTimeouts().Transaction})

	// Record the Cypher of each query by running it once in process.
	recorded := make([][]statement, len(mix))
	for i, m := range mix {
		var mu sync.Mutex
		rctx := store.WithQueryObserver(ctx, func(cypher string, params map[string]any) {
			mu.Lock()
			recorded[i] = append(recorded[i], statement{cypher, maps.Clone(params)})
			mu.Unlock()
		})
		body, _ := json.Marshal(map[string]string{"query": m.query})
		req, _ := http.NewRequestWithContext(rctx, http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := &recorder{header: http.Header{}}
		srv.Handler().ServeHTTP(rec, req)
		if rec.status != http.StatusOK || bytes.Contains(rec.body.Bytes(), []byte(`"errors"`)) {
			return fmt.Errorf("%s: %d %s", m.name, rec.status, rec.body.String())
		}
	}

	httpOnce := func(body []byte) func() error {
		return func() error {
			res, err := client.Post(url, "application/json", bytes.NewReader(body))
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"errors"`)) {
				return fmt.Errorf("%d %s", res.StatusCode, b)
			}
			return nil
		}
	}
	rawOnce := func(stmts []statement) func() error {
		return func() error {
			for _, s := range stmts {
				if _, err := neo4j.ExecuteQuery(ctx, driver, s.cypher, s.params, neo4j.EagerResultTransformer, reader.QueryOptions()...); err != nil {
					return err
				}
			}
			return nil
		}
	}

	load0 := machine.LoadAvg()
	fmt.Printf("bench/api: %s, %d rounds x %s per query, side and mode; %d CPUs (%s), GOMAXPROCS %d; load average at start %s\n",
		rel.Version, *rounds, *duration, runtime.NumCPU(), runtime.GOARCH, runtime.GOMAXPROCS(0), load0)
	fmt.Printf("Neo4j %s; Cypher statements per query: ", cfg.URI)
	for i, m := range mix {
		fmt.Printf("%s %d; ", m.name, len(recorded[i]))
	}
	fmt.Println()
	fmt.Println()
	fmt.Printf("%-14s %-6s %9s %9s %9s | %9s %9s %9s | %9s %8s | %9s %9s %8s\n", "query", "mode",
		"http p50", "http p99", "http q/s", "raw p50", "raw p99", "raw q/s", "+p50 ms", "p50 x", "par http", "par raw", "q/s %")
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for i, m := range mix {
		if *only != "" && m.name != *only {
			continue
		}
		body, _ := json.Marshal(map[string]string{"query": m.query})
		h, r := httpOnce(body), rawOnce(recorded[i])
		// Warm up both sides (plans, pools).
		for range 20 {
			if err := h(); err != nil {
				return fmt.Errorf("%s over http: %w", m.name, err)
			}
			if err := r(); err != nil {
				return fmt.Errorf("%s raw: %w", m.name, err)
			}
		}
		var hs, rs, hp, rp []result
		for round := range *rounds {
			sides := []func(){
				func() { hs = append(hs, measure(h, 1, *duration)) },
				func() { rs = append(rs, measure(r, 1, *duration)) },
			}
			par := []func(){
				func() { hp = append(hp, measure(h, *parallel, *duration)) },
				func() { rp = append(rp, measure(r, *parallel, *duration)) },
			}
			if round%2 == 1 { // alternate which side goes first
				sides[0], sides[1] = sides[1], sides[0]
				par[0], par[1] = par[1], par[0]
			}
			for _, f := range append(sides, par...) {
				f()
			}
		}
		H, R, HP, RP := median(hs), median(rs), median(hp), median(rp)
		if H.err != nil || R.err != nil || HP.err != nil || RP.err != nil {
			return fmt.Errorf("%s: %v", m.name, errors.Join(H.err, R.err, HP.err, RP.err))
		}
		fmt.Printf("%-14s %-6s %9.3f %9.3f %9.0f | %9.3f %9.3f %9.0f | %+9.3f %8.2f | %9.0f %9.0f %7.0f%%\n", m.name, "serial",
			ms(H.p50), ms(H.p99), H.qps, ms(R.p50), ms(R.p99), R.qps, ms(H.p50-R.p50), float64(H.p50)/float64(R.p50),
			HP.qps, RP.qps, 100*HP.qps/RP.qps)
	}
	fmt.Println()
	fmt.Printf("p50/p99 in ms at 1 client; q/s = queries per second; +p50 = http p50 - raw p50; p50 x = http p50 / raw p50;\n")
	fmt.Printf("par = q/s with %d clients; q/s %% = par http / par raw. Load average at end %s\n", *parallel, machine.LoadAvg())
	return nil
}

type result struct {
	p50, p99 time.Duration
	qps      float64
	err      error
}

// measure runs f from clients goroutines for d and returns the latency
// percentiles and the throughput.
func measure(f func() error, clients int, d time.Duration) result {
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(end) {
				t := time.Now()
				if err := f(); err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil || len(lat) == 0 {
		return result{err: fmt.Errorf("no result: %v", firstErr)}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return result{p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], qps: float64(len(lat)) / elapsed.Seconds()}
}

// median takes the median of each figure over rounds.
func median(rs []result) result {
	var out result
	var p50, p99 []time.Duration
	var qps []float64
	for _, r := range rs {
		if r.err != nil {
			out.err = errors.Join(out.err, r.err)
			continue
		}
		p50, p99, qps = append(p50, r.p50), append(p99, r.p99), append(qps, r.qps)
	}
	if len(p50) == 0 {
		return out
	}
	sort.Slice(p50, func(i, j int) bool { return p50[i] < p50[j] })
	sort.Slice(p99, func(i, j int) bool { return p99[i] < p99[j] })
	sort.Float64s(qps)
	out.p50, out.p99, out.qps = p50[len(p50)/2], p99[len(p99)/2], qps[len(qps)/2]
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// recorder is a minimal http.ResponseWriter for the in-process recording
// run.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(code int) { r.status = code }
