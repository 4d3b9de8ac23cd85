package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/web"
)

//go:embed graphiql
var graphiqlFiles embed.FS

// routes builds the mux and wraps it in the middleware every request goes
// through: request id, panic recovery, access log and metrics.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /graphql", http.HandlerFunc(s.serveGraphQL))
	mux.Handle("GET /graphql", http.HandlerFunc(s.serveGraphQL)) // queries only
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD, POST")
		writeError(w, r, http.StatusMethodNotAllowed, CodeBadInput, "send GraphQL requests as POST with a JSON body, or queries as GET; GraphiQL is at /graphiql")
	})
	assets, _ := fs.Sub(graphiqlFiles, "graphiql")
	mux.HandleFunc("GET /graphiql", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:")
		http.ServeFileFS(w, r, assets, "index.html")
	})
	mux.Handle("GET /graphiql/", http.StripPrefix("/graphiql/", http.FileServerFS(assets)))
	mux.Handle("GET /{$}", web.Index())
	mux.Handle("GET /ui/", http.StripPrefix("/ui/", web.Files()))
	mux.HandleFunc("GET /healthz", s.health.serveHealth)
	mux.HandleFunc("GET /readyz", s.health.serveReady)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	for pattern, h := range s.cfg.Extra {
		mux.Handle(pattern, s.admitted(h))
	}
	var h http.Handler = jsonMisses(mux)
	if s.cfg.Auth != nil {
		h = s.cfg.Auth.Middleware(h)
	}
	return s.withRequestID(s.withRecover(s.withAccessLog(h)))
}

// jsonMisses answers the requests no route takes (404, and 405 for a
// known path with another method) in the same JSON shape as every other
// error, instead of the mux's plain text; it keeps the mux's Allow header
// and lets its redirects through.
func jsonMisses(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			// The access log sits outside the auth middleware, which hands
			// on a copy of the request: r.Pattern set by the mux never
			// reaches it, so the matched pattern goes up through logInfo.
			if info, ok := r.Context().Value(logInfoKey{}).(*logInfo); ok {
				info.route = pattern
			}
			mux.ServeHTTP(w, r)
			return
		}
		c := &captureWriter{header: http.Header{}}
		h.ServeHTTP(c, r)
		switch c.status {
		case http.StatusNotFound:
			writeError(w, r, http.StatusNotFound, CodeNotFound,
				fmt.Sprintf("no such path: %s; GraphQL is at POST /graphql, GraphiQL at /graphiql", truncate(r.URL.Path, 100)))
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", c.header.Get("Allow"))
			writeError(w, r, http.StatusMethodNotAllowed, CodeBadInput,
				fmt.Sprintf("%s does not answer %s; use %s", truncate(r.URL.Path, 100), truncate(r.Method, 20), c.header.Get("Allow")))
		default:
			for k, v := range c.header {
				w.Header()[k] = v
			}
			w.WriteHeader(max(c.status, http.StatusOK))
			_, _ = w.Write(c.body.Bytes())
		}
	})
}

// captureWriter keeps what a handler writes.
type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

// serveGraphQL negotiates the media type of the answer and reads the
// request (graphqlhttp.go), waits for a slot (admission), checks that
// Neo4j is not known to be down, then runs it under the request deadline
// through graphQLTransport, counting the Cypher queries it costs. The
// deadline runs from the request's arrival, so time spent waiting for a
// slot counts.
func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	deadline := time.Now().Add(s.cfg.Timeouts.Request)
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		writeRequestError(w, r, mediaJSON, http.StatusNotAcceptable, CodeBadInput,
			"the answer is application/graphql-response+json or application/json; accept one of them")
		return
	}
	if r.Method != http.MethodPost && r.URL.RawQuery == "" && strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/graphiql", http.StatusFound) // a browser opening the endpoint
		return
	}
	if r.Method == http.MethodPost {
		// The body is read whole and bounded first: small requests within
		// Limits.BodyBytes, large ones (threat models) within
		// Limits.ModelBodyBytes from a budget shared by all large bodies.
		body, done, ok := s.readBody(w, r, deadline)
		if !ok {
			return
		}
		defer done()
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}
	params, rerr := s.readRequest(r)
	if rerr != nil {
		if rerr.code == CodeLimitExceeded {
			s.metrics.errors.WithLabelValues(CodeLimitExceeded).Inc()
		}
		writeRequestError(w, r, media, rerr.status, rerr.code, rerr.msg)
		return
	}
	release, over := s.admit.acquire(r.Context(), s.admit.clientKey(r), deadline)
	if over != nil {
		s.metrics.errors.WithLabelValues(CodeOverloaded).Inc()
		w.Header().Set("Retry-After", "1")
		writeRequestError(w, r, media, over.status, CodeOverloaded, over.msg)
		return
	}
	defer release()
	// While Neo4j is known to be away, a request fails fast unless the
	// releases held in memory can answer it.
	if !s.health.allow(r.Context()) && !s.app.Holding() {
		s.metrics.errors.WithLabelValues(CodeUnavailable).Inc()
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(s.cfg.RetryInterval/time.Second))))
		writeRequestError(w, r, media, http.StatusServiceUnavailable, CodeUnavailable, msgUnavailable)
		return
	}
	// The deadline is applied to each root field (withDeadline), not to the
	// request context: gqlgen writes no answer at all for a request whose
	// context is done, and the client must get a LIMIT_EXCEEDED error.
	ctx := context.WithValue(r.Context(), deadlineKey{}, deadline)
	ctx = context.WithValue(ctx, gqlRequestKey{}, &gqlRequest{params: params, media: media})
	var queries atomic.Int64
	ctx = app.CountQueries(ctx, func() { queries.Add(1) })
	s.gql.ServeHTTP(w, r.WithContext(ctx))
	n := queries.Load()
	s.metrics.queries.Add(float64(n))
	s.metrics.queriesPerReq.Observe(float64(n))
	if info, ok := r.Context().Value(logInfoKey{}).(*logInfo); ok {
		info.queries = n
	}
}

type deadlineKey struct{}

// withDeadline runs each root field, and so every field under it, under
// the request's deadline.
func withDeadline(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if d, ok := ctx.Value(deadlineKey{}).(time.Time); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d)
		defer cancel()
	}
	return next(ctx)
}

func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request) {
	s.metrics.errors.WithLabelValues(CodeLimitExceeded).Inc()
	writeError(w, r, http.StatusRequestEntityTooLarge, CodeLimitExceeded,
		fmt.Sprintf("the request body is larger than the limit of %d bytes", max(s.cfg.Limits.ModelBodyBytes, s.cfg.Limits.BodyBytes)))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type requestIDKey struct{}

// requestID is the id of the request ctx belongs to, "" outside one.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID is what an incoming X-Request-Id must look like to be
// kept; anything else is replaced, so logs never carry client junk.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withRequestID gives every request an id: the caller's X-Request-Id when
// it is sane, a random one otherwise. It is echoed in the X-Request-Id
// response header, in every GraphQL error and in every log line.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// withRecover answers INTERNAL for a panic outside GraphQL execution
// (gqlgen recovers its own) and logs it with its stack.
func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "request_id", requestID(r.Context()), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeError(w, r, http.StatusInternalServerError, CodeInternal, msgInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// metricMethod is r.Method as a metric label: the standard methods, and
// "other" for anything a client made up, so the series stay few.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

type logInfoKey struct{}

// logInfo collects what handlers know about a request for its log line.
type logInfo struct {
	queries int64
	// route is the pattern the mux matched, "" for none.
	route string
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withAccessLog logs one line per request and records the HTTP metrics.
func (s *Server) withAccessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		info := &logInfo{}
		r = r.WithContext(context.WithValue(r.Context(), logInfoKey{}, info))
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		route := info.route
		if _, path, ok := strings.Cut(route, " "); ok {
			route = path // the method has its own label
		}
		if route == "" {
			route = "unmatched"
		}
		method := metricMethod(r.Method)
		s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(sw.status)).Inc()
		s.metrics.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())
		attrs := []any{"request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "duration_ms", float64(elapsed.Microseconds()) / 1000}
		if info.queries > 0 {
			attrs = append(attrs, "cypher_queries", info.queries)
		}
		s.log.InfoContext(r.Context(), "request", attrs...)
	})
}
