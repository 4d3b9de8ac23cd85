package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/atlasgraph/atlasgraph/auth"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// runServe wires the server once: config, logger, Neo4j driver, store,
// server (resolvers and GraphQL handler inside), and serves until ctx is
// cancelled (SIGINT or SIGTERM), then shuts down gracefully.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	cfg := config.Neo4jFlags(fs, getenv)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	logJSON := fs.Bool("log-json", false, "write logs as JSON lines instead of text")
	t := server.DefaultTimeouts()
	fs.DurationVar(&t.Transaction, "tx-timeout", t.Transaction, "Neo4j transaction timeout of each query (< --request-timeout)")
	fs.DurationVar(&t.Request, "request-timeout", t.Request, "deadline of one GraphQL request (< --write-timeout)")
	fs.DurationVar(&t.Write, "write-timeout", t.Write, "HTTP write timeout")
	fs.DurationVar(&t.Shutdown, "shutdown-timeout", t.Shutdown, "how long in-flight requests get to finish on shutdown")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usageError{"serve takes no arguments"}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}

	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	var log *slog.Logger
	if *logJSON {
		log = slog.New(slog.NewJSONHandler(stderr, opts))
	} else {
		log = slog.New(slog.NewTextHandler(stderr, opts))
	}

	driver, err := store.ConnectServing(ctx, cfg, store.ServingOptions{})
	if err != nil {
		return err
	}
	defer driver.Close(context.Background())
	st := store.New(driver, cfg.Database)

	policy, err := auth.FromEnv(getenv)
	if err != nil {
		return usageError{err.Error()}
	}
	rules, err := threatmodel.DefaultRules()
	if err != nil {
		return err
	}
	if err := st.EnsureThreatModelSchema(ctx); err != nil {
		return err
	}
	tm := &threatmodel.Service{Rules: rules, Store: st}
	srv, err := server.New(server.Config{Store: st, Logger: log, Timeouts: t, ThreatModels: tm, Auth: policy})
	if err != nil {
		return usageError{err.Error()}
	}
	return srv.ListenAndServe(ctx, *addr)
}
