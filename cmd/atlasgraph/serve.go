package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/auth"
	"github.com/atlasgraph/atlasgraph/mcp"
	"github.com/atlasgraph/atlasgraph/server"
)

// serveCmd wires the server once: config, logger, Neo4j driver, store,
// server (resolvers and GraphQL handler inside), and serves until the
// context is cancelled (SIGINT or SIGTERM), then shuts down gracefully.
func (c *cli) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "serve",
		Short:   "Answer GraphQL at /graphql, with GraphiQL at /graphiql",
		GroupID: "serve",
		Example: "  atlasgraph serve --addr 127.0.0.1:8080",
		Args:    noArgs,
	}
	cfg := c.neo4jFlags(cmd)
	fs := cmd.Flags()
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	logJSON := fs.Bool("log-json", false, "write logs as JSON lines instead of text")
	t := server.DefaultTimeouts()
	fs.DurationVar(&t.Transaction, "tx-timeout", t.Transaction, "Neo4j transaction timeout of each query (< --request-timeout)")
	fs.DurationVar(&t.Request, "request-timeout", t.Request, "deadline of one GraphQL request (< --write-timeout)")
	fs.DurationVar(&t.Write, "write-timeout", t.Write, "HTTP write timeout")
	fs.DurationVar(&t.Shutdown, "shutdown-timeout", t.Shutdown, "how long in-flight requests get to finish on shutdown")
	introspection := fs.Bool("introspection", true, "answer introspection queries (__schema, __type), which GraphiQL needs (env "+envIntrospection+")")
	var adm server.Admission
	fs.IntVar(&adm.Concurrent, "max-concurrent", 16, "GraphQL requests executed at once; more wait in a bounded queue or are refused OVERLOADED")
	fs.StringVar(&adm.ClientHeader, "client-header", "", "header naming the client for fair shares (e.g. X-Forwarded-For behind a proxy that sets it); default the remote address")
	upstreamCheck := fs.Bool("upstream-check", true, "check upstream's release list in the background, at most daily, and say in the API and /metrics when a newer release exists (env "+envUpstreamCheck+"; false on offline machines)")
	var rm app.ReleaseOptions
	fs.DurationVar(&rm.Poll, "release-poll", app.DefaultPoll, "how often the server reads which releases are loaded and current; a switch, replace or prune made elsewhere is served within this time")
	fs.IntVar(&rm.InMemory, "releases-in-memory", app.DefaultReleasesInMemory, "complete releases held in memory, the least recently used dropped first")
	cacheMB := fs.Int("response-cache-mb", server.DefaultResponseCacheBytes>>20, "MiB of answers to queries that read complete releases only, kept until a release changes; 0 switches the cache off")
	gcPercent := fs.Int("gc-percent", defaultGCPercent, "garbage collection target: the heap may grow this many percent over the live heap before a collection (Go's GOGC; the environment's GOGC wins when set, GOMEMLIMIT still caps the heap)")
	mcpOn := fs.Bool("mcp", false, "also answer the Model Context Protocol (Streamable HTTP) at /mcp, for AI assistants; write tools need an editor's token")
	upstreamURL := fs.String("upstream", "", "atlas-data's dist folder: a URL or a local folder (env ATLASGRAPH_UPSTREAM, default "+app.DefaultUpstream+")")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		if err := cfg.Validate(); err != nil {
			return err
		}
		if *gcPercent < 0 {
			return usageError{msg: "--gc-percent must be 0 or more", cmd: cmd.CommandPath()}
		}
		if c.getenv("GOGC") == "" || cmd.Flags().Changed("gc-percent") {
			debug.SetGCPercent(*gcPercent)
		}
		if *cacheMB < 0 {
			return usageError{msg: "--response-cache-mb must be 0 (off) or more", cmd: cmd.CommandPath()}
		}
		cacheBytes := *cacheMB << 20
		if cacheBytes == 0 {
			cacheBytes = -1 // off
		}
		if rm.Poll <= 0 || rm.InMemory <= 0 {
			return usageError{msg: "--release-poll and --releases-in-memory must be positive", cmd: cmd.CommandPath()}
		}
		if !cmd.Flags().Changed("upstream-check") {
			on, err := envSwitch(c.getenv, envUpstreamCheck, true)
			if err != nil {
				return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
			}
			*upstreamCheck = on
		}
		if !cmd.Flags().Changed("introspection") {
			on, err := envSwitch(c.getenv, envIntrospection, true)
			if err != nil {
				return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
			}
			*introspection = on
		}
		opts := &slog.HandlerOptions{Level: slog.LevelInfo}
		var log *slog.Logger
		if *logJSON {
			log = slog.New(slog.NewJSONHandler(c.stderr, opts))
		} else {
			log = slog.New(slog.NewTextHandler(c.stderr, opts))
		}
		policy, err := auth.FromEnv(c.getenv)
		if err != nil {
			return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
		}
		svc, err := app.Open(ctx, app.Config{Neo4j: cfg, Serving: true, TxTimeout: t.Transaction, Releases: rm, ThreatModels: true, Logger: log})
		if err != nil {
			return err
		}
		defer svc.Close(context.Background())
		sf := sourceFlags{upstream: *upstreamURL}
		checker := svc.UpstreamChecker(sf.upstreamURL(c.getenv), !*upstreamCheck, log)
		checker.Start(ctx)
		var extra map[string]http.Handler
		if *mcpOn {
			extra = map[string]http.Handler{"/mcp": mcp.Handler(svc, mcp.Options{Version: versionString(), Timeout: t.Request, Auth: policy, Logger: log})}
		}
		srv, err := server.New(server.Config{App: svc, Logger: log, Timeouts: t, Admission: adm, NoIntrospection: !*introspection,
			Auth: policy, Upstream: checker, ResponseCacheBytes: cacheBytes, Extra: extra})
		if err != nil {
			return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
		}
		return srv.ListenAndServe(ctx, *addr)
	}
	return cmd
}

// defaultGCPercent is the server's GOGC. A server answers from releases
// held in memory: its live heap is small and steady, and every uncached
// request allocates (gqlgen builds a value per field), so at Go's 100 the
// collector runs every few requests. At 400 it runs a quarter as often;
// attackPaths with 100 paths took 7 ms at p50 instead of 13 ms (bench/analysis,
// docs/benchmarks.md), for a heap that peaks at five times the live heap
// instead of twice.
const defaultGCPercent = 400

// envIntrospection switches introspection off when false; --introspection
// wins over it.
const envIntrospection = "ATLASGRAPH_INTROSPECTION"

// envUpstreamCheck switches the background upstream check off when false;
// --upstream-check wins over it.
const envUpstreamCheck = "ATLASGRAPH_UPSTREAM_CHECK"

// envSwitch reads an on/off setting from the environment: true, false, 1,
// 0, on, off, yes or no; def when unset.
func envSwitch(getenv func(string) string, name string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(getenv(name))) {
	case "":
		return def, nil
	case "1", "true", "on", "yes":
		return true, nil
	case "0", "false", "off", "no":
		return false, nil
	}
	return def, fmt.Errorf("%s=%q: use true or false", name, getenv(name))
}
