// Command attack measures loading the ATT&CK Enterprise bundle: the streaming parse against
// decoding the whole file at once (time and peak RSS, each run in its own child process so
// the peaks do not mix), and the full load into Neo4j (parse and write, the version pruned
// between runs). Runs alternate between the modes; the figures are medians.
//
//	go run ./bench/attack [-file ../shared/data/attack/enterprise-attack-18.1.json] [-runs 5] [-neo4j]
//	go run ./bench/attack -api 200    # actor queries through the server, ATLAS and ATT&CK loaded
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/attack"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/attack:", err)
		os.Exit(1)
	}
}

func run() error {
	file := flag.String("file", "../shared/data/attack/enterprise-attack-18.1.json", "ATT&CK Enterprise bundle")
	runs := flag.Int("runs", 5, "runs per mode")
	withNeo4j := flag.Bool("neo4j", false, "also time the full load into Neo4j (NEO4J_* settings)")
	child := flag.String("child", "", "internal: run one mode and print its time and peak RSS")
	api := flag.Int("api", 0, "instead: time actor queries through the server against a technique lookup, this many rounds (needs ATLAS and ATT&CK loaded)")
	flag.Parse()
	if *child != "" {
		return runChild(*child, *file)
	}
	if *api > 0 {
		return runAPI(*api)
	}
	modes := []string{"stream", "whole"}
	if *withNeo4j {
		modes = append(modes, "load")
	}
	times := map[string][]float64{}
	rss := map[string][]float64{}
	for i := 0; i < *runs; i++ {
		for _, m := range modes {
			out, err := exec.Command(os.Args[0], "-child", m, "-file", *file).Output()
			if err != nil {
				return fmt.Errorf("%s run %d: %w", m, i, err)
			}
			f := strings.Fields(string(out))
			if len(f) != 2 {
				return fmt.Errorf("%s run %d: %q", m, i, out)
			}
			ms, _ := strconv.ParseFloat(f[0], 64)
			kb, _ := strconv.ParseFloat(f[1], 64)
			times[m] = append(times[m], ms)
			rss[m] = append(rss[m], kb/1024)
		}
	}
	fmt.Printf("%-8s %10s %10s %10s %14s\n", "mode", "median ms", "min ms", "max ms", "peak RSS MB")
	for _, m := range modes {
		t := times[m]
		sort.Float64s(t)
		fmt.Printf("%-8s %10.0f %10.0f %10.0f %14.1f\n", m, median(t), t[0], t[len(t)-1], median(rss[m]))
	}
	fmt.Printf("whole/stream: time %.2fx, peak RSS %.2fx\n", median(times["whole"])/median(times["stream"]), median(rss["whole"])/median(rss["stream"]))
	return nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// runChild runs one mode once and prints "milliseconds peakRSS-KB".
func runChild(mode, file string) error {
	start := time.Now()
	switch mode {
	case "stream":
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := attack.Parse(f, file); err != nil {
			return err
		}
	case "whole":
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			return err
		}
	case "load":
		ctx := context.Background()
		cfg := config.Neo4jFlags(flag.NewFlagSet("x", flag.ContinueOnError), os.Getenv)
		if err := cfg.Validate(); err != nil {
			return err
		}
		d, err := store.Connect(ctx, cfg)
		if err != nil {
			return err
		}
		defer d.Close(ctx)
		st := store.New(d, cfg.Database)
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		start = time.Now()
		b, err := attack.Parse(f, file)
		if err != nil {
			return err
		}
		// A version of its own, so the benchmark never touches a loaded ATT&CK.
		b.Version = "bench-" + b.Version
		if _, err := st.LoadAttack(ctx, b, store.LoadOptions{}); err != nil {
			return err
		}
		elapsed := time.Since(start)
		if err := st.PruneAttack(ctx, b.Version); err != nil {
			slog.Warn("prune", "err", err)
		}
		return report(elapsed)
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	return report(time.Since(start))
}

func report(d time.Duration) error {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	fmt.Printf("%.1f %d\n", float64(d.Microseconds())/1000, ru.Maxrss)
	return nil
}

// apiQueries are timed side by side, alternating; the first is the yardstick.
var apiQueries = []struct{ name, query string }{
	{"technique", `{ technique(id: "AML.T0051") { id name } }`},
	{"actor by alias", `{ actor(id: "forest-blizzard") { id name attackId } }`},
	{"actor techniques", `{ actors(filter: {name: "Aquatic Panda"}) { attackId techniques { technique { id } via } } }`},
	{"technique actors", `{ technique(id: "AML.T0052") { actors { actor { id attackId } via } } }`},
	{"layer 2 actors", `{ navigatorLayer(actors: ["APT28", "Aquatic Panda"]) { techniqueCount } }`},
}

func runAPI(rounds int) error {
	ctx := context.Background()
	cfg := config.Neo4jFlags(flag.NewFlagSet("x", flag.ContinueOnError), os.Getenv)
	if err := cfg.Validate(); err != nil {
		return err
	}
	d, err := store.ConnectServing(ctx, cfg, store.ServingOptions{})
	if err != nil {
		return err
	}
	defer d.Close(ctx)
	svc, err := app.New(ctx, store.New(d, cfg.Database), app.Config{Serving: true, TxTimeout: server.DefaultTimeouts().Transaction})
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{App: svc, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	lat := map[string][]float64{}
	for i := 0; i < rounds+5; i++ {
		for _, q := range apiQueries {
			body, _ := json.Marshal(map[string]string{"query": q.query})
			start := time.Now()
			resp, err := http.Post(ts.URL+"/graphql", "application/json", bytes.NewReader(body))
			if err != nil {
				return err
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
				return fmt.Errorf("%s: %s", q.name, out)
			}
			if i >= 5 { // warm-up rounds are not counted
				lat[q.name] = append(lat[q.name], float64(time.Since(start).Microseconds())/1000)
			}
		}
	}
	fmt.Printf("%-18s %8s %8s %10s\n", "query", "p50 ms", "p99 ms", "p50 ratio")
	base := median(lat[apiQueries[0].name])
	for _, q := range apiQueries {
		l := lat[q.name]
		sort.Float64s(l)
		p99 := l[min(len(l)-1, len(l)*99/100)]
		fmt.Printf("%-18s %8.2f %8.2f %10.2f\n", q.name, median(l), p99, median(l)/base)
	}
	return nil
}
