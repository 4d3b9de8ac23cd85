// Command load measures how long atlasgraph takes to load a release into
// Neo4j, against a deliberately naive loader run in the same process on the
// same server: the same Cypher statements with the same rows and the same
// indexes, but one auto-commit transaction per node and per relationship, as
// many public ATLAS-to-Neo4j scripts do. Runs alternate (batched, naive,
// batched, ...) so both see the same machine load, and the report gives
// medians and the ratio of the medians.
//
//	eval "$(scripts/neo4j.sh start)"; go run ./bench/load [-rounds 5] [-file PATH]
//
// It writes releases named bench-batched and bench-naive and deletes them
// afterwards; other releases in the database are not touched.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/bench/internal/machine"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/load:", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("bench/load", flag.ContinueOnError)
	cfg := config.Neo4jFlags(fs, os.Getenv)
	file := fs.String("file", "", "release file (default ../shared/data/atlas/v6/ATLAS-2026.05.yaml)")
	rounds := fs.Int("rounds", 5, "runs of each loader")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
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
	ctx := context.Background()
	driver, err := store.Connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer driver.Close(ctx)
	st := store.New(driver, cfg.Database)
	if err := st.EnsureSchema(ctx); err != nil {
		return err
	}

	parse := func(version string) (*atlas.Release, error) {
		rel, _, err := loader.Parse(*file, data, loader.Limits{})
		if err != nil {
			return nil, err
		}
		rel.Version = version
		return rel, nil
	}
	loadBefore := machine.LoadAvg()
	var batched, naive []time.Duration
	var statements int
	for i := 0; i < *rounds; i++ {
		rel, err := parse("bench-batched")
		if err != nil {
			return err
		}
		_, _ = st.Prune(ctx, rel.Version)
		start := time.Now()
		if _, err := st.Load(ctx, rel, store.LoadOptions{Current: store.CurrentNever}); err != nil {
			return err
		}
		batched = append(batched, time.Since(start))
		if _, err := st.Prune(ctx, rel.Version); err != nil {
			return err
		}

		rel, err = parse("bench-naive")
		if err != nil {
			return err
		}
		_, _ = st.Prune(ctx, rel.Version)
		start = time.Now()
		n, err := loadNaive(ctx, driver, cfg.Database, rel)
		if err != nil {
			return err
		}
		naive = append(naive, time.Since(start))
		statements = n
		if _, err := st.Prune(ctx, rel.Version); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "round %d: batched %s, naive %s\n", i+1, batched[i].Round(time.Millisecond), naive[i].Round(time.Millisecond))
	}

	mb, mn := median(batched), median(naive)
	ratios := make([]time.Duration, len(batched)) // per round, naive / batched, scaled by 1000
	for i := range batched {
		ratios[i] = time.Duration(1000 * float64(naive[i]) / float64(batched[i]))
	}
	fmt.Printf("Load of %s (%d rounds each, alternating; %s, %d cores; /proc/loadavg %s before, %s after)\n\n", *file, *rounds, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), loadBefore, machine.LoadAvg())
	fmt.Println("| loader | median | min | max | write statements |")
	fmt.Println("|---|---|---|---|---|")
	fmt.Printf("| atlasgraph (batched UNWIND, derived edges included) | %s | %s | %s | %d |\n", ms(mb), ms(minOf(batched)), ms(maxOf(batched)), len(store.WritePlan(mustParse(parse)))+2)
	fmt.Printf("| naive (one auto-commit statement per node and relationship) | %s | %s | %s | %d |\n", ms(mn), ms(minOf(naive)), ms(maxOf(naive)), statements)
	fmt.Printf("\nratio of medians (naive / batched): %.1fx; median of the per-round ratios: %.1fx (min %.1fx)\n", float64(mn)/float64(mb), float64(median(ratios))/1000, float64(minOf(ratios))/1000)
	return nil
}

func mustParse(parse func(string) (*atlas.Release, error)) *atlas.Release {
	rel, err := parse("x")
	if err != nil {
		panic(err) // parsed fine a moment ago
	}
	return rel
}

// loadNaive writes the release one row per transaction: the same statements
// as store.Load, each given a single row.
func loadNaive(ctx context.Context, d neo4j.DriverWithContext, db string, rel *atlas.Release) (int, error) {
	sess := d.NewSession(ctx, neo4j.SessionConfig{DatabaseName: db})
	defer sess.Close(ctx)
	n := 0
	runOne := func(cypher string, params map[string]any) error {
		n++
		res, err := sess.Run(ctx, cypher, params)
		if err != nil {
			return err
		}
		_, err = res.Consume(ctx)
		return err
	}
	if err := runOne(`CREATE (:Release {version: $v, status: 'loading', current: false})`, map[string]any{"v": rel.Version}); err != nil {
		return n, err
	}
	for _, st := range store.WritePlan(rel) {
		for _, row := range st.Rows {
			if err := runOne(st.Cypher, map[string]any{"release": rel.Version, "rows": []map[string]any{row}}); err != nil {
				return n, fmt.Errorf("%s: %w", st.What, err)
			}
		}
	}
	return n, runOne(`MATCH (r:Release {version: $v}) SET r.status = 'complete'`, map[string]any{"v": rel.Version})
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minOf(d []time.Duration) time.Duration {
	m := d[0]
	for _, x := range d {
		m = min(m, x)
	}
	return m
}

func maxOf(d []time.Duration) time.Duration {
	m := d[0]
	for _, x := range d {
		m = max(m, x)
	}
	return m
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }
