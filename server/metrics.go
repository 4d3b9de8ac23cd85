package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
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
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "atlasgraph_http_requests_total",
			Help: "HTTP requests answered, by route and status code.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "atlasgraph_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "atlasgraph_graphql_errors_total",
			Help: "GraphQL errors returned to clients, by code (NOT_FOUND, BAD_INPUT, LIMIT_EXCEEDED, UNAVAILABLE, INTERNAL).",
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
	}
	m.neo4jUp.Set(1)
	reg.MustRegister(m.requests, m.duration, m.errors, m.queries, m.queriesPerReq, m.neo4jUp,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range []string{CodeNotFound, CodeBadInput, CodeLimitExceeded, CodeUnavailable, CodeInternal} {
		m.errors.WithLabelValues(c) // every code shows, at 0, from the start
	}
	return m
}
