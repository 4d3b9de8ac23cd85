package server

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/graph"
	"github.com/atlasgraph/atlasgraph/upstream"
)

// metrics are the Prometheus series of one server, on its own registry
// (no global state: two servers in one test process do not collide).
type metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	errors        *prometheus.CounterVec
	queries       prometheus.Counter
	queriesPerReq prometheus.Histogram
	neo4jUp       prometheus.Gauge
	running       prometheus.Gauge
	waiting       prometheus.Gauge
	refused       *prometheus.CounterVec
	responseCache *prometheus.CounterVec
	builds        *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "atlasgraph_http_requests_total",
			Help: "HTTP requests answered, by route (the matched pattern, without the method), method and status code.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "atlasgraph_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "atlasgraph_graphql_errors_total",
			Help: "GraphQL errors returned to clients, by code (NOT_FOUND, BAD_INPUT, LIMIT_EXCEEDED, OVERLOADED, UNAVAILABLE, INTERNAL).",
		}, []string{"code"}),
		queries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "atlasgraph_cypher_queries_total",
			Help: "Cypher queries (round trips to Neo4j) sent to answer GraphQL requests.",
		}),
		queriesPerReq: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "atlasgraph_graphql_cypher_queries",
			Help:    "Cypher queries sent per GraphQL request.",
			Buckets: []float64{0, 1, 2, 3, 5, 8, 13, 21, 34},
		}),
		neo4jUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "atlasgraph_neo4j_up",
			Help: "1 while Neo4j answered the last time it was asked, 0 while requests fail fast.",
		}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "atlasgraph_graphql_running",
			Help: "GraphQL requests being executed now (at most Admission.Concurrent).",
		}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "atlasgraph_graphql_waiting",
			Help: "GraphQL requests waiting for a slot now (at most Admission.Queue).",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "atlasgraph_graphql_overloaded_total",
			Help: "GraphQL requests refused OVERLOADED before execution, by reason: client (over its share), queue (queue full), wait (no slot in time).",
		}, []string{"reason"}),
		responseCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "atlasgraph_graphql_response_cache_total",
			Help: "Queries that read complete releases only, by result: hit (answered from the response cache) or miss (executed).",
		}, []string{"result"}),
		builds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "atlasgraph_release_build_seconds",
			Help:    "Time to make a release ready in memory, by kind (release: read from Neo4j with its indexes, including what a warm read builds before it serves the release; analysis: the analysis input alone) and by who started it (warm: the server, because the release became current; request: a request, which waited for it).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 25, 60, 120},
		}, []string{"kind", "started"}),
	}
	m.neo4jUp.Set(1)
	reg.MustRegister(m.requests, m.duration, m.errors, m.queries, m.queriesPerReq, m.neo4jUp, m.running, m.waiting, m.refused, m.responseCache, m.builds,
		buildInfo(), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range []string{CodeNotFound, CodeBadInput, CodeLimitExceeded, CodeOverloaded, CodeUnavailable, CodeInternal} {
		m.errors.WithLabelValues(c) // every code shows, at 0, from the start
	}
	for _, r := range []string{"client", "queue", "wait"} {
		m.refused.WithLabelValues(r)
	}
	for _, k := range []string{"release", "analysis"} {
		for _, by := range []string{"warm", "request"} {
			m.builds.WithLabelValues(k, by) // every series shows, at 0, from the start
		}
	}
	return m
}

// observeBuild records one build of a release into memory.
func (m *metrics) observeBuild(b app.Build) {
	by := "request"
	if b.Warm {
		by = "warm"
	}
	m.builds.WithLabelValues(b.Kind, by).Observe(b.Took.Seconds())
}

// buildInfo is atlasgraph_build_info: the module version, VCS revision and
// Go version the binary was built with, from debug.ReadBuildInfo ("unknown"
// where the build did not record them: `go test`, or a build without VCS
// stamping).
func buildInfo() prometheus.Collector {
	version, commit, goVersion := "unknown", "unknown", runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" { // "(devel)" outside a module download, as --version says
			version = v
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				commit = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "atlasgraph_build_info",
		Help:        "Always 1; the labels say which build of atlasgraph is serving.",
		ConstLabels: prometheus.Labels{"version": version, "commit": commit, "goversion": goVersion},
	})
	g.Set(1)
	return g
}

// releaseInfo is atlasgraph_release_info: 1 with the current release's
// version and the first 12 hex digits of its sha256. It asks Neo4j at
// most every ttl, within a short timeout, and shows the last answer while
// Neo4j does not answer (nothing before the first answer).
type releaseInfo struct {
	app  *app.Service
	ttl  time.Duration
	desc *prometheus.Desc

	mu      sync.Mutex
	fetched time.Time
	version string
	sha     string
}

func newReleaseInfo(a *app.Service) *releaseInfo {
	return &releaseInfo{app: a, ttl: 10 * time.Second, desc: prometheus.NewDesc("atlasgraph_release_info",
		"Always 1; the labels name the release the API serves by default (sha256 is the first 12 hex digits of its file's hash).",
		[]string{"version", "sha256"}, nil)}
}

func (ri *releaseInfo) Describe(ch chan<- *prometheus.Desc) { ch <- ri.desc }

func (ri *releaseInfo) Collect(ch chan<- prometheus.Metric) {
	ri.mu.Lock()
	defer ri.mu.Unlock()
	if time.Since(ri.fetched) >= ri.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		info, err := ri.app.CompleteRelease(ctx, "")
		cancel()
		if err == nil {
			ri.fetched, ri.version, ri.sha = time.Now(), info.Version, info.SHA256
		} else if app.ErrorCode(err) == app.NotFound {
			ri.fetched, ri.version, ri.sha = time.Now(), "", ""
		}
	}
	if ri.version != "" {
		ch <- prometheus.MustNewConstMetric(ri.desc, prometheus.GaugeValue, 1, ri.version, ri.sha[:min(12, len(ri.sha))])
	}
}

// upstreamMetrics show what the background upstream check last found:
// atlasgraph_upstream_newer_releases (how many upstream releases are newer
// than the current one) and atlasgraph_upstream_checked_timestamp_seconds.
// Both are absent until a check has succeeded, and always when the check
// is off.
func upstreamMetrics(u graph.UpstreamStatus) []prometheus.Collector {
	return []prometheus.Collector{
		&upstreamGauge{u: u, desc: prometheus.NewDesc("atlasgraph_upstream_newer_releases",
			"Upstream ATLAS releases newer than the current one, as the last daily check found (0: up to date).", nil, nil),
			value: func(st upstream.Status) float64 { return float64(len(st.NewerThanCurrent)) }},
		&upstreamGauge{u: u, desc: prometheus.NewDesc("atlasgraph_upstream_checked_timestamp_seconds",
			"When the last successful upstream check ran, in Unix seconds.", nil, nil),
			value: func(st upstream.Status) float64 { return float64(st.CheckedAt.Unix()) }},
	}
}

type upstreamGauge struct {
	u     graph.UpstreamStatus
	desc  *prometheus.Desc
	value func(upstream.Status) float64
}

func (g *upstreamGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *upstreamGauge) Collect(ch chan<- prometheus.Metric) {
	if st, ok := g.u.Latest(); ok {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, g.value(st))
	}
}
