// Command peer measures atlasgraph's GraphQL server beside two peers on the
// same Neo4j and the same release: @neo4j/graphql (the generic library, run
// by server.mjs under node with @apollo/server) and raw Cypher (one
// hand-written statement per query shape through the Go driver).
//
// It loads the release into Neo4j with the atlasgraph binary (`load FILE`;
// the release becomes current), starts `atlasgraph serve` and `node
// server.mjs` on loopback ports, checks that the three give the same answer
// for every shape (ordering normalised), and then times six shapes with 1
// client and with -clients clients, alternating the three systems in rounds
// of -duration each (at most -max requests per system and round). It prints
// the medians over -rounds of the throughput and the ratios
// atlasgraph/@neo4j/graphql and atlasgraph/raw.
//
//	export ATLASGRAPH_NEO4J_PORT=7801 && eval "$(scripts/neo4j.sh start)"
//	(cd bench/peer && npm ci)
//	go build -o /tmp/atlasgraph ./cmd/atlasgraph
//	go run ./bench/peer -atlasgraph /tmp/atlasgraph [-rounds 3] [-duration 1s]
//
// It is a measurement, not a test: nothing fails on the figures, only on
// unequal answers. Not part of CI.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	neo4jconfig "github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/atlasgraph/atlasgraph/bench/internal/machine"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
)

// shape is one query shape, written three ways. The GraphQL queries alias
// their root field as r; the Cypher statement returns one row with a column
// data. $v is the current release's version.
type shape struct {
	name   string
	atlas  string // atlasgraph GraphQL (current release implied)
	peer   string // @neo4j/graphql GraphQL, variable $v
	cypher string // one statement, parameter $v
}

// casesOf is the two-hop case-study list of technique variable t, as a
// COLLECT subquery (the caseStudies field of atlasgraph).
func casesOf(t string) string {
	return `COLLECT { MATCH (` + t + `)<-[:EMPLOYS]-(:Step)<-[:HAS_STEP]-(c:CaseStudy) RETURN DISTINCT c {.id} }`
}

var shapes = []shape{
	{
		name:   "entity by id",
		atlas:  `{ r: technique(id: "AML.T0051") { id name description maturity platforms } }`,
		peer:   `query($v: String!) { r: techniques(where: {id: {eq: "AML.T0051"}, release: {eq: $v}}) { id name description maturity platforms } }`,
		cypher: `MATCH (t:Technique {release: $v, id: 'AML.T0051'}) RETURN t {.id, .name, .description, .maturity, .platforms} AS data`,
	},
	{
		name:  "entity + links",
		atlas: `{ r: technique(id: "AML.T0051") { id name maturity platforms tactics { id } parent { id } subtechniques { id } mitigations { mitigation { id } description } caseStudies { id } } }`,
		peer: `query($v: String!) { r: techniques(where: {id: {eq: "AML.T0051"}, release: {eq: $v}}) { id name maturity platforms tactics { id } parent { id } subtechniques { id }
			mitigations: mitigationsConnection { edges { mitigation: node { id } _props: properties { description } } } caseStudies { id } } }`,
		cypher: `MATCH (t:Technique {release: $v, id: 'AML.T0051'})
RETURN t {.id, .name, .maturity, .platforms,
  tactics: [(t)-[:ACHIEVES]->(x:Tactic) | x {.id}],
  parent: [(t)-[:SPECIALIZES]->(p:Technique) | p {.id}],
  subtechniques: [(s:Technique)-[:SPECIALIZES]->(t) | s {.id}],
  mitigations: [(m:Mitigation)-[l:MITIGATES]->(t) | {mitigation: m {.id}, description: l.description}],
  caseStudies: ` + casesOf("t") + `} AS data`,
	},
	{
		name:  "case study + steps",
		atlas: `{ r: caseStudy(id: "AML.CS0000") { id name type actorText actors { id name } steps { stepId technique { id } tactic { id } leadsTo { stepId } } } }`,
		peer:  `query($v: String!) { r: caseStudies(where: {id: {eq: "AML.CS0000"}, release: {eq: $v}}) { id name type actorText actors { id name } steps { stepId technique { id } tactic { id } leadsTo { stepId } } } }`,
		cypher: `MATCH (c:CaseStudy {release: $v, id: 'AML.CS0000'})
RETURN c {.id, .name, .type, .actorText,
  actors: [(c)-[:ATTRIBUTED_TO]->(a:Actor) | a {.id, .name}],
  steps: [(c)-[:HAS_STEP]->(s:Step) | s {.stepId,
    technique: [(s)-[:EMPLOYS]->(x:Technique) | x {.id}],
    tactic: [(s)-[:IN_TACTIC]->(x:Tactic) | x {.id}],
    leadsTo: [(s)-[:LEADS_TO]->(n:Step) | n {.stepId}]}]} AS data`,
	},
	{
		name:   "techniques of a tactic",
		atlas:  `{ r: techniques(filter: {tactic: "AML.TA0005"}) { id name maturity } }`,
		peer:   `query($v: String!) { r: techniques(where: {release: {eq: $v}, tactics: {some: {id: {eq: "AML.TA0005"}}}}) { id name maturity } }`,
		cypher: `MATCH (t:Technique {release: $v})-[:ACHIEVES]->(:Tactic {release: $v, id: 'AML.TA0005'}) RETURN collect(t {.id, .name, .maturity}) AS data`,
	},
	{
		name:  "every technique + links",
		atlas: `{ r: techniques { id tactics { id } mitigations { mitigation { id } description } caseStudies { id } } }`,
		peer: `query($v: String!) { r: techniques(where: {release: {eq: $v}}) { id tactics { id }
			mitigations: mitigationsConnection { edges { mitigation: node { id } _props: properties { description } } } caseStudies { id } } }`,
		cypher: `MATCH (t:Technique {release: $v})
RETURN collect(t {.id,
  tactics: [(t)-[:ACHIEVES]->(x:Tactic) | x {.id}],
  mitigations: [(m:Mitigation)-[l:MITIGATES]->(t) | {mitigation: m {.id}, description: l.description}],
  caseStudies: ` + casesOf("t") + `}) AS data`,
	},
	{
		name:  "tech>mit>tech>cases",
		atlas: `{ r: technique(id: "AML.T0051") { id mitigations { mitigation { id techniques { technique { id caseStudies { id } } } } } } }`,
		peer: `query($v: String!) { r: techniques(where: {id: {eq: "AML.T0051"}, release: {eq: $v}}) { id
			mitigations: mitigationsConnection { edges { mitigation: node { id techniques: techniquesConnection { edges { technique: node { id caseStudies { id } } } } } } } } }`,
		cypher: `MATCH (t:Technique {release: $v, id: 'AML.T0051'})
RETURN t {.id, mitigations: [(m:Mitigation)-[:MITIGATES]->(t) | {mitigation: m {.id,
  techniques: [(m)-[:MITIGATES]->(t2:Technique) | {technique: t2 {.id, caseStudies: ` + casesOf("t2") + `}}]}}]} AS data`,
	},
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/peer:", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("bench/peer", flag.ContinueOnError)
	cfg := config.Neo4jFlags(fs, os.Getenv)
	bin := fs.String("atlasgraph", "", "the atlasgraph binary (go build -o /tmp/atlasgraph ./cmd/atlasgraph); required")
	file := fs.String("file", "", "release file (default ../shared/data/atlas/v6/ATLAS-2026.05.yaml)")
	dir := fs.String("dir", "bench/peer", "the folder of server.mjs and its node_modules")
	rounds := fs.Int("rounds", 3, "rounds; medians are reported")
	duration := fs.Duration("duration", time.Second, "time per shape, system, client count and round")
	maxReq := fs.Int("max", 20000, "at most this many requests per shape, system, client count and round")
	clients := fs.Int("clients", 8, "clients of the concurrent mode")
	serveArgs := fs.String("serve-args", "", "more arguments for atlasgraph serve, space-separated (e.g. --response-cache-mb 0 to measure without the response cache)")
	only := fs.String("only", "", "run only the shapes whose name contains this")
	baseline := fs.String("baseline", "", "a second atlasgraph binary (e.g. a build of main) served and measured beside -atlasgraph with the same arguments, as a fourth system")
	allocN := fs.Int("alloc", 200, "requests per shape for the allocation figures (read from each atlasgraph server's /metrics); 0 skips them")
	profile := fs.String("cpuprofile", "", "CPU-profile the two nested shapes through an in-process server (this branch's code, response cache off) into PREFIX-SHAPE.prof")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *bin == "" {
		return errors.New("-atlasgraph is required: go build -o /tmp/atlasgraph ./cmd/atlasgraph")
	}
	if *file == "" {
		p, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
		if err != nil {
			return err
		}
		*file = p
	}
	if _, err := os.Stat(filepath.Join(*dir, "node_modules", "@neo4j", "graphql")); err != nil {
		return fmt.Errorf("%s has no node_modules/@neo4j/graphql: run (cd %s && npm ci) first", *dir, *dir)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := append(os.Environ(), config.EnvURI+"="+cfg.URI, config.EnvUsername+"="+cfg.Username,
		config.EnvPassword+"="+cfg.Password, config.EnvDatabase+"="+cfg.Database)

	// Load the release with the atlasgraph CLI (skipped by the CLI when the
	// same file is already loaded).
	load := exec.CommandContext(ctx, *bin, "load", *file)
	load.Env, load.Stdout, load.Stderr = env, os.Stderr, os.Stderr
	if err := load.Run(); err != nil {
		return fmt.Errorf("atlasgraph load %s: %w", *file, err)
	}

	driver, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.BasicAuth(cfg.Username, cfg.Password, ""),
		func(c *neo4jconfig.Config) { c.MaxConnectionPoolSize = 4 * *clients })
	if err != nil {
		return err
	}
	defer driver.Close(ctx)
	dbOpt := neo4j.ExecuteQueryWithDatabase(cfg.Database)
	res, err := neo4j.ExecuteQuery(ctx, driver, `MATCH (r:Release {current: true}) RETURN r.version AS v`, nil, neo4j.EagerResultTransformer, dbOpt)
	if err != nil {
		return fmt.Errorf("current release: %w", err)
	}
	if len(res.Records) != 1 {
		return errors.New("no current release after the load")
	}
	version, _ := res.Records[0].Get("v")

	atlasPort, err := freePort()
	if err != nil {
		return err
	}
	peerPort, err := freePort()
	if err != nil {
		return err
	}
	args := append([]string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", atlasPort), "--client-header", "X-Bench-Client"}, strings.Fields(*serveArgs)...)
	serve := exec.CommandContext(ctx, *bin, args...)
	serve.Env, serve.Stdout, serve.Stderr = env, io.Discard, io.Discard
	if err := serve.Start(); err != nil {
		return fmt.Errorf("atlasgraph serve: %w", err)
	}
	defer stopProcess(serve)
	var basePort int
	if *baseline != "" {
		if basePort, err = freePort(); err != nil {
			return err
		}
		args := append([]string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", basePort), "--client-header", "X-Bench-Client"}, strings.Fields(*serveArgs)...)
		base := exec.CommandContext(ctx, *baseline, args...)
		base.Env, base.Stdout, base.Stderr = env, io.Discard, io.Discard
		if err := base.Start(); err != nil {
			return fmt.Errorf("baseline serve: %w", err)
		}
		defer stopProcess(base)
	}
	node := exec.CommandContext(ctx, "node", "server.mjs", fmt.Sprint(peerPort))
	node.Dir, node.Env = *dir, env
	nodeOut, _ := node.StdoutPipe()
	node.Stderr = os.Stderr
	if err := node.Start(); err != nil {
		return fmt.Errorf("node server.mjs: %w", err)
	}
	defer stopProcess(node)
	go func() { _, _ = io.Copy(io.Discard, bufio.NewReader(nodeOut)) }()

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4 * *clients}}
	atlasURL := fmt.Sprintf("http://127.0.0.1:%d/graphql", atlasPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d/", peerPort)
	if err := waitHTTP(ctx, client, atlasURL, `{"query":"{ __typename }"}`); err != nil {
		return fmt.Errorf("atlasgraph serve did not come up: %w", err)
	}
	if err := waitHTTP(ctx, client, peerURL, `{"query":"{ __typename }"}`); err != nil {
		return fmt.Errorf("node server.mjs did not come up: %w", err)
	}
	baseURL := fmt.Sprintf("http://127.0.0.1:%d/graphql", basePort)
	if *baseline != "" {
		if err := waitHTTP(ctx, client, baseURL, `{"query":"{ __typename }"}`); err != nil {
			return fmt.Errorf("baseline serve did not come up: %w", err)
		}
	}

	systems := []string{"atlasgraph", "@neo4j/graphql", "raw Cypher"}
	if *baseline != "" {
		systems = append(systems, "baseline")
	}
	type runner func(client int) (any, error)
	makeRunners := func(s shape) []runner {
		ab, _ := json.Marshal(map[string]any{"query": s.atlas})
		pb, _ := json.Marshal(map[string]any{"query": s.peer, "variables": map[string]any{"v": version}})
		base := []runner{}
		if *baseline != "" {
			base = append(base, func(c int) (any, error) { return postGraphQL(client, baseURL, ab, c) })
		}
		return append([]runner{
			func(c int) (any, error) { return postGraphQL(client, atlasURL, ab, c) },
			func(c int) (any, error) { return postGraphQL(client, peerURL, pb, c) },
			func(int) (any, error) {
				r, err := neo4j.ExecuteQuery(ctx, driver, s.cypher, map[string]any{"v": version}, neo4j.EagerResultTransformer, dbOpt,
					neo4j.ExecuteQueryWithReadersRouting(), neo4j.ExecuteQueryWithoutBookmarkManager()) // as atlasgraph reads
				if err != nil {
					return nil, err
				}
				if len(r.Records) != 1 {
					return nil, fmt.Errorf("%d rows", len(r.Records))
				}
				d, _ := r.Records[0].Get("data")
				return d, nil
			},
		}, base...)
	}

	// Same answers first.
	for _, s := range shapes {
		var want string
		for i, r := range makeRunners(s) {
			v, err := r(0)
			if err != nil {
				return fmt.Errorf("%s on %s: %w", s.name, systems[i], err)
			}
			b, _ := json.Marshal(canonical(v))
			if i == 0 {
				want = string(b)
				if len(want) < 20 {
					return fmt.Errorf("%s on atlasgraph: an empty answer %s", s.name, want)
				}
				continue
			}
			if string(b) != want {
				return fmt.Errorf("%s: %s and atlasgraph differ:\n%s\n%s", s.name, systems[i], clip(string(b)), clip(want))
			}
		}
	}

	fmt.Printf("bench/peer: release %s, atlasgraph serve args %q, %d rounds x %s (at most %d requests) per shape, system and client count; 1 and %d clients\n",
		version, *serveArgs, *rounds, *duration, *maxReq, *clients)
	fmt.Printf("%d CPUs (%s), GOMAXPROCS %d, node %s; load average at start %s; answers of the three systems equal on every shape\n\n",
		runtime.NumCPU(), runtime.GOARCH, runtime.GOMAXPROCS(0), nodeVersion(), machine.LoadAvg())
	if *baseline != "" {
		fmt.Printf("baseline: %s beside atlasgraph: %s, same arguments\n\n", *baseline, *bin)
	}
	fmt.Printf("%-24s %7s | %10s %14s %10s | %8s %8s", "shape", "clients", "atlasgraph", "@neo4j/graphql", "raw Cypher", "ag/neo", "ag/raw")
	if *baseline != "" {
		fmt.Printf(" | %10s %8s", "baseline", "ag/base")
	}
	fmt.Println()
	for _, s := range shapes {
		if *only != "" && !strings.Contains(s.name, *only) {
			continue
		}
		rs := makeRunners(s)
		for _, r := range rs { // warm up: plans, pools, JIT
			for range 10 {
				if _, err := r(0); err != nil {
					return fmt.Errorf("%s warm-up: %w", s.name, err)
				}
			}
		}
		for _, n := range []int{1, *clients} {
			qps := make([][]float64, len(rs))
			for round := range *rounds {
				for k := range rs {
					i := (k + round) % len(rs) // rotate which system goes first
					f := rs[i]
					q, err := measure(func(c int) error { _, err := f(c); return err }, n, *duration, *maxReq)
					if err != nil {
						return fmt.Errorf("%s on %s with %d clients: %w", s.name, systems[i], n, err)
					}
					qps[i] = append(qps[i], q)
				}
			}
			a, p, r := median(qps[0]), median(qps[1]), median(qps[2])
			fmt.Printf("%-24s %7d | %10.0f %14.0f %10.0f | %8.2f %8.2f", s.name, n, a, p, r, a/p, a/r)
			if *baseline != "" {
				b := median(qps[3])
				fmt.Printf(" | %10.0f %8.2f", b, a/b)
			}
			fmt.Println()
		}
	}
	fmt.Printf("\nq/s = requests per second, median over rounds; ag/neo = atlasgraph / @neo4j/graphql, ag/raw = atlasgraph / raw Cypher")
	if *baseline != "" {
		fmt.Printf(", ag/base = atlasgraph / baseline")
	}
	fmt.Printf(".\nLoad average at end %s\n", machine.LoadAvg())

	if *allocN > 0 {
		servers := []struct{ name, url string }{{"atlasgraph", atlasURL}}
		if *baseline != "" {
			servers = append(servers, struct{ name, url string }{"baseline", baseURL})
		}
		fmt.Printf("\nAllocation per request (server's go_memstats over %d sequential requests, HTTP and JSON included)\n", *allocN)
		fmt.Printf("%-24s %-10s | %12s %10s\n", "shape", "server", "bytes", "objects")
		for _, s := range shapes {
			if *only != "" && !strings.Contains(s.name, *only) {
				continue
			}
			body, _ := json.Marshal(map[string]any{"query": s.atlas})
			for _, sv := range servers {
				b, o, err := allocPerRequest(client, sv.url, body, *allocN)
				if err != nil {
					return fmt.Errorf("%s allocation on %s: %w", s.name, sv.name, err)
				}
				fmt.Printf("%-24s %-10s | %12.0f %10.0f\n", s.name, sv.name, b, o)
			}
		}
	}
	if *profile != "" {
		if err := profileShapes(ctx, driver, cfg.Database, *profile, *only); err != nil {
			return fmt.Errorf("cpuprofile: %w", err)
		}
	}
	return nil
}

// allocPerRequest posts body n times and returns the bytes and objects the
// server allocated per request, from the Go runtime counters of its
// /metrics (the scrape between is included once, and divided by n).
func allocPerRequest(c *http.Client, graphqlURL string, body []byte, n int) (float64, float64, error) {
	metricsURL := strings.TrimSuffix(graphqlURL, "/graphql") + "/metrics"
	b0, o0, err := memstats(c, metricsURL)
	if err != nil {
		return 0, 0, err
	}
	for range n {
		if _, err := postGraphQL(c, graphqlURL, body, 0); err != nil {
			return 0, 0, err
		}
	}
	b1, o1, err := memstats(c, metricsURL)
	if err != nil {
		return 0, 0, err
	}
	return (b1 - b0) / float64(n), (o1 - o0) / float64(n), nil
}

func memstats(c *http.Client, url string) (bytes, objects float64, err error) {
	res, err := c.Get(url)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, 0, err
	}
	found := 0
	for _, line := range strings.Split(string(body), "\n") {
		var v float64
		if _, err := fmt.Sscanf(line, "go_memstats_alloc_bytes_total %g", &v); err == nil {
			bytes = v
			found++
		}
		if _, err := fmt.Sscanf(line, "go_memstats_mallocs_total %g", &v); err == nil {
			objects = v
			found++
		}
	}
	if found != 2 {
		return 0, 0, fmt.Errorf("%s has no go_memstats_alloc_bytes_total and go_memstats_mallocs_total", url)
	}
	return bytes, objects, nil
}

// postGraphQL posts body as client number n and returns data.r, failing on
// a GraphQL error. atlasgraph runs with --client-header X-Bench-Client, so
// each bench client gets its own fair share, as separate machines would.
func postGraphQL(c *http.Client, url string, body []byte, n int) (any, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Bench-Client", fmt.Sprint("client-", n))
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	var out struct {
		Data   map[string]any    `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(b, &out); err != nil || res.StatusCode != http.StatusOK || len(out.Errors) > 0 {
		return nil, fmt.Errorf("HTTP %d: %s", res.StatusCode, clip(string(b)))
	}
	return out.Data["r"], nil
}

// canonical normalises an answer so the three systems compare equal: the
// connection wrappers of @neo4j/graphql ({edges: [...]}, and relationship
// properties aliased _props merged into their edge) are unwrapped; a list of
// one element is that element and an empty list is null (to-one links are
// lists in @neo4j/graphql); lists are sorted by their JSON.
func canonical(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if e, ok := x["edges"]; ok && len(x) == 1 {
			return canonical(e)
		}
		out := map[string]any{}
		for k, val := range x {
			if k == "_props" {
				if m, ok := val.(map[string]any); ok {
					for pk, pv := range m {
						out[pk] = canonical(pv)
					}
					continue
				}
			}
			out[k] = canonical(val)
		}
		return out
	case []any:
		switch len(x) {
		case 0:
			return nil
		case 1:
			return canonical(x[0])
		}
		out := make([]any, len(x))
		keys := make([]string, len(x))
		for i, e := range x {
			out[i] = canonical(e)
			b, _ := json.Marshal(out[i])
			keys[i] = string(b)
		}
		idx := make([]int, len(x))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
		sorted := make([]any, len(x))
		for i, j := range idx {
			sorted[i] = out[j]
		}
		return sorted
	case []string:
		a := make([]any, len(x))
		for i, s := range x {
			a[i] = s
		}
		return canonical(a)
	default:
		return v
	}
}

// measure runs f from n goroutines for d or until max requests were
// started, and returns the throughput. Goroutine c is client c.
func measure(f func(client int) error, n int, d time.Duration, maxReq int) (float64, error) {
	var done, started atomic.Int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for c := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) && started.Add(1) <= int64(maxReq) {
				if err := f(c); err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitHTTP polls url with a GraphQL POST until it answers 200, for up to a
// minute.
func waitHTTP(ctx context.Context, c *http.Client, url, body string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := c.Post(url, "application/json", strings.NewReader(body))
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d", res.StatusCode)
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// stopProcess ends a child this program started (by its own handle) and
// waits for it.
func stopProcess(c *exec.Cmd) {
	if c.Process == nil {
		return
	}
	_ = c.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.Process.Kill()
		<-done
	}
}

func nodeVersion() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func clip(s string) string {
	if len(s) > 800 {
		return s[:800] + "..."
	}
	return s
}
