// Package server is atlasgraph's HTTP server: GraphQL at POST /graphql,
// GraphiQL at /graphiql (embedded, no CDN), /healthz, /readyz and
// /metrics, with request ids, structured access logs, limits on what one
// request may cost, typed error codes and graceful shutdown.
//
// The server does not speak Cypher: it asks the application layer (package
// app), through the GraphQL resolvers of package graph. It does not terminate TLS
// or authenticate callers beyond the bearer tokens of the threat-model API
// (package auth); put it behind a proxy that does when it leaves localhost.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/auth"
	"github.com/atlasgraph/atlasgraph/graph"
)

// Limits bound what one request may cost. Zero fields take the defaults of
// DefaultLimits.
type Limits struct {
	// BodyBytes is the largest request body read without reserving room
	// for it: queries are small.
	BodyBytes int64
	// ModelBodyBytes is the largest request body (a threat model sent
	// whole); a larger one is refused with HTTP 413. Bodies above
	// BodyBytes share LargeBodiesBytes (limits.go).
	ModelBodyBytes int64
	// LargeBodiesBytes bounds the bodies above BodyBytes held at once.
	LargeBodiesBytes int64
	// ParserTokens is the most tokens the GraphQL parser reads.
	ParserTokens int
	// Complexity is the highest query cost: every field costs 1, and the
	// fields under a list cost ListFactor times (or `first` times) theirs.
	Complexity int
	// ListFactor is the size assumed for lists without a `first` argument.
	ListFactor int
	// Depth is the deepest nesting of fields.
	Depth int
	// Aliases is the most aliased fields in one operation.
	Aliases int
	// RootFields is the most fields directly under the operation,
	// introspection fields included.
	RootFields int
	// Fields is the most selections (fields, fragment spreads, inline
	// fragments) written in the query text, checked before validation,
	// whose cost grows with the square of the fields of one selection set.
	Fields int
	// Introspection is the most __schema and __type fields in one
	// operation (GraphiQL asks for one).
	Introspection int
}

// DefaultLimits are the limits a server has unless told otherwise.
func DefaultLimits() Limits {
	return Limits{BodyBytes: 64 << 10, ModelBodyBytes: defaultModelBodyBytes, LargeBodiesBytes: defaultLargeBodiesBytes, ParserTokens: 5000, Complexity: 5000, ListFactor: 10, Depth: 8, Aliases: 20, RootFields: 10,
		Fields: 400, Introspection: 2}
}

// Timeouts bound how long things may take. They must be ordered
// Transaction < Request < Write, so that Neo4j gives up on a query before
// the request deadline, and the request answers with an error before the
// HTTP server cuts the connection.
type Timeouts struct {
	// Transaction is the Neo4j transaction timeout of each query.
	Transaction time.Duration
	// Request is the deadline of one GraphQL request.
	Request time.Duration
	// Write is the HTTP write timeout: the whole exchange after the
	// headers are read.
	Write time.Duration
	// ReadHeader bounds reading the request headers, Idle a kept-alive
	// connection waiting for its next request.
	ReadHeader, Idle time.Duration
	// Shutdown is how long in-flight requests get to finish on shutdown.
	Shutdown time.Duration
}

// DefaultTimeouts are the timeouts a server has unless told otherwise.
func DefaultTimeouts() Timeouts {
	return Timeouts{Transaction: 5 * time.Second, Request: 10 * time.Second, Write: 15 * time.Second,
		ReadHeader: 5 * time.Second, Idle: 2 * time.Minute, Shutdown: 15 * time.Second}
}

// Config is what a server needs.
type Config struct {
	// App answers every question; open it with app.Config.Serving set and
	// the transaction timeout of Timeouts.Transaction.
	App      *app.Service
	Logger   *slog.Logger
	Limits   Limits
	Timeouts Timeouts
	// ResponseCacheBytes bounds the cache of answers to queries that read
	// complete releases only (respcache.go); zero means
	// DefaultResponseCacheBytes, a negative value switches it off.
	ResponseCacheBytes int
	// Auth decides who may read and change threat models (bearer tokens);
	// nil means reads are open and no change is accepted.
	Auth *auth.Policy
	// NoIntrospection switches introspection (__schema, __type) off:
	// such queries are refused with LIMIT_EXCEEDED, and GraphiQL can no
	// longer show the schema. __typename keeps working.
	NoIntrospection bool
	// Admission bounds the GraphQL requests running and waiting, per
	// client and in all.
	Admission Admission
	// RetryInterval is how long requests fail fast after Neo4j was found
	// unreachable before one of them tries it again. Zero means 1s.
	RetryInterval time.Duration
	// Upstream, when set, is the background upstream check (an
	// upstream.Checker the caller started): its last finding shows in the
	// API's Release.upstream and in the atlasgraph_upstream_* metrics. The
	// server never asks upstream itself.
	Upstream graph.UpstreamStatus
	// BuildVersion names the build in the ETags of GET answers, so that a
	// new build never revalidates an old answer; empty means the module
	// version and VCS revision the binary records.
	BuildVersion string
	// Extra are more faces served beside GraphQL, by path (a pattern of
	// http.ServeMux, e.g. "/mcp"), behind the same middleware: request
	// ids, access log, panic recovery, the bearer tokens of Auth, and
	// GraphQL's admission for their POST requests (extra.go). Each handler
	// bounds its own bodies and deadlines.
	Extra map[string]http.Handler
}

// Server serves the API. Make one with New; it is safe for concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	app      *app.Service
	gql      *handler.Server
	metrics  *metrics
	registry *prometheus.Registry
	health   *health
	admit    *admission
	bodies   *bodyBudget
	handler  http.Handler
}

// New checks the configuration and builds the server; it does not listen.
func New(cfg Config) (*Server, error) {
	if cfg.App == nil {
		return nil, errors.New("server: no application layer")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Limits = cfg.Limits.withDefaults(DefaultLimits())
	cfg.Timeouts = cfg.Timeouts.withDefaults(DefaultTimeouts())
	if err := cfg.Timeouts.validate(); err != nil {
		return nil, err
	}
	if cfg.BuildVersion == "" {
		cfg.BuildVersion = defaultBuildVersion()
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = time.Second
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	s.app = cfg.App
	s.registry = prometheus.NewRegistry()
	s.metrics = newMetrics(s.registry)
	s.health = newHealth(s.app, cfg.RetryInterval, s.log, s.metrics)
	s.registry.MustRegister(newReleaseInfo(s.app))
	if cfg.Upstream != nil {
		s.registry.MustRegister(upstreamMetrics(cfg.Upstream)...)
	}
	s.admit = newAdmission(cfg.Admission, s.metrics)
	s.bodies = newBodyBudget(max(cfg.Limits.LargeBodiesBytes, cfg.Limits.ModelBodyBytes))

	res := graph.NewResolver(s.app, graph.Options{Auth: cfg.Auth, Upstream: cfg.Upstream})
	gql := handler.New(res.Schema())
	gql.AddTransport(graphQLTransport{s: s}) // graphqlhttp.go
	queries := newQueryCache(queryCacheEntries, queryCacheBytes)
	gql.SetQueryCache(queries)
	gql.SetParserTokenLimit(cfg.Limits.ParserTokens)
	gql.SetErrorPresenter(s.presentError)
	gql.SetRecoverFunc(s.recoverPanic)
	if !cfg.NoIntrospection {
		gql.Use(extension.Introspection{})
	}
	gql.Use(&limitsExtension{lim: cfg.Limits, introspection: !cfg.NoIntrospection, known: queries.Has})
	gql.Use(res)
	if cfg.ResponseCacheBytes == 0 {
		cfg.ResponseCacheBytes = DefaultResponseCacheBytes
	}
	if cfg.ResponseCacheBytes > 0 {
		gql.Use(newResponseCache(s.app, cfg.ResponseCacheBytes, s.metrics))
	}
	gql.AroundRootFields(withDeadline)
	gql.AroundResponses(dedupeErrors)
	s.gql = gql

	s.handler = s.routes()
	// The current release (and its actor directory) is read into memory at
	// start and after each switch, in the background: /readyz says ready
	// once it is held, and no request waits for it.
	s.app.OnBuild(s.metrics.observeBuild)
	s.app.Warm()
	return s, nil
}

func (t Timeouts) validate() error {
	if !(t.Transaction < t.Request && t.Request < t.Write) {
		return fmt.Errorf("timeouts must be ordered transaction (%s) < request (%s) < write (%s)", t.Transaction, t.Request, t.Write)
	}
	return nil
}

// withDefaults fills the zero fields from def.
func (l Limits) withDefaults(def Limits) Limits {
	fill(&l.BodyBytes, def.BodyBytes)
	fill(&l.ModelBodyBytes, def.ModelBodyBytes)
	fill(&l.LargeBodiesBytes, def.LargeBodiesBytes)
	fill(&l.ParserTokens, def.ParserTokens)
	fill(&l.Complexity, def.Complexity)
	fill(&l.ListFactor, def.ListFactor)
	fill(&l.Depth, def.Depth)
	fill(&l.Aliases, def.Aliases)
	fill(&l.RootFields, def.RootFields)
	fill(&l.Fields, def.Fields)
	fill(&l.Introspection, def.Introspection)
	return l
}

// withDefaults fills the zero fields from def.
func (t Timeouts) withDefaults(def Timeouts) Timeouts {
	fill(&t.Transaction, def.Transaction)
	fill(&t.Request, def.Request)
	fill(&t.Write, def.Write)
	fill(&t.ReadHeader, def.ReadHeader)
	fill(&t.Idle, def.Idle)
	fill(&t.Shutdown, def.Shutdown)
	return t
}

func fill[N int | int64 | time.Duration](v *N, def N) {
	if *v <= 0 {
		*v = def
	}
}

// Handler returns the server's routes with all middleware, for tests and
// for callers that run their own http.Server.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers requests on ln until ctx is cancelled, then stops taking
// new connections and waits up to Timeouts.Shutdown for in-flight requests.
// It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// The releases held follow changes made elsewhere while the server runs.
	go s.app.Run(ctx)
	t := s.cfg.Timeouts
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: t.ReadHeader,
		// The body is small (Limits.BodyBytes) and read within the request
		// deadline.
		ReadTimeout:  t.Request,
		WriteTimeout: t.Write,
		IdleTimeout:  t.Idle,
		ErrorLog:     slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String(), "graphql", "http://"+ln.Addr().String()+"/graphql",
		"graphiql", "http://"+ln.Addr().String()+"/graphiql")
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", t.Shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), t.Shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shut down: in-flight requests did not finish within %s: %w", t.Shutdown, err)
	}
	<-errc
	s.log.Info("stopped")
	return nil
}

// ListenAndServe listens on addr and serves until ctx is cancelled.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (use --addr to pick another address): %w", addr, err)
	}
	return s.Serve(ctx, ln)
}
