package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
)

// profiled are the shapes -cpuprofile profiles: the two nested ones, where
// the executor's own cost dominates.
var profiled = []string{"every technique + links", "tech>mit>tech>cases"}

// profileShapes serves atlasgraph in this process (server.New and Serve,
// the handler `atlasgraph serve` runs, response cache off) and CPU-profiles
// a few seconds of requests of each nested shape, client and server in one
// profile (the client's share is small: one POST and a JSON decode per
// request), into PREFIX-SHAPE.prof, and writes the allocation profile
// after each into PREFIX-SHAPE.allocs.prof.
func profileShapes(ctx context.Context, driver neo4j.DriverWithContext, database, prefix, only string) error {
	svc, err := app.New(ctx, store.New(driver, database), app.Config{Serving: true, TxTimeout: server.DefaultTimeouts().Transaction})
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{App: svc, ResponseCacheBytes: -1})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()
	url := "http://" + ln.Addr().String() + "/graphql"
	client := &http.Client{Timeout: 30 * time.Second}
	if err := waitHTTP(ctx, client, url, `{"query":"{ __typename }"}`); err != nil {
		return err
	}
	fmt.Println()
	for _, s := range shapes {
		if !contains(profiled, s.name) || (only != "" && !strings.Contains(s.name, only)) {
			continue
		}
		body, _ := json.Marshal(map[string]any{"query": s.atlas})
		for range 20 { // warm up: the release is read into memory on the first request
			if _, err := postGraphQL(client, url, body, 0); err != nil {
				return err
			}
		}
		name := prefix + "-" + strings.NewReplacer(" ", "-", ">", "-", "+", "").Replace(s.name) + ".prof"
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		n := 0
		for start := time.Now(); time.Since(start) < 5*time.Second; n++ {
			if _, err := postGraphQL(client, url, body, 0); err != nil {
				pprof.StopCPUProfile()
				f.Close()
				return err
			}
		}
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return err
		}
		// The allocation profile is cumulative over the process: read it
		// with -focus serveGraphQL.
		mf, err := os.Create(strings.TrimSuffix(name, ".prof") + ".allocs.prof")
		if err != nil {
			return err
		}
		if err := pprof.Lookup("allocs").WriteTo(mf, 0); err != nil {
			mf.Close()
			return err
		}
		if err := mf.Close(); err != nil {
			return err
		}
		fmt.Printf("CPU profile of %s: %d requests in 5 s, 1 client, in process: %s (go tool pprof -top %s)\n", s.name, n, name, name)
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
