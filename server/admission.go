package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Admission bounds how many GraphQL requests run at once and how many
// wait, and shares the slots fairly between clients, so that one client's
// flood cannot starve the others: each client may have at most PerClient
// requests running or waiting, and when a slot frees up the waiting
// clients take turns. Requests beyond the bounds are answered OVERLOADED
// at once, with Retry-After; nothing waits without bound.
type Admission struct {
	// Concurrent is the most GraphQL requests executed at once. Zero
	// means 4 × GOMAXPROCS: a request spends most of its time waiting on
	// Neo4j, but more at once only makes each one slower.
	Concurrent int
	// Queue is the most requests waiting for a slot. Zero means
	// 4 × Concurrent.
	Queue int
	// PerClient is the most requests one client may have running or
	// waiting. Zero means half of Concurrent, and at least 8: a page or a
	// script that sends a handful of questions at once is served, and a
	// flood from one client still leaves half the slots to the others.
	PerClient int
	// Wait is the longest a request waits for a slot (never beyond its
	// deadline). Zero means 2s.
	Wait time.Duration
	// ClientHeader names a request header that identifies the client,
	// such as X-Forwarded-For behind a proxy that sets it, or a header
	// carrying a token the proxy checked. Empty means the remote address
	// of the connection. The header is trusted as it is: set it only
	// behind a proxy that overwrites it.
	ClientHeader string
}

// withDefaults fills the zero fields.
func (a Admission) withDefaults() Admission {
	fill(&a.Concurrent, 4*runtime.GOMAXPROCS(0))
	fill(&a.Queue, 4*a.Concurrent)
	fill(&a.PerClient, max(8, a.Concurrent/2))
	fill(&a.Wait, 2*time.Second)
	return a
}

// admission is the state of Admission: the running count, and per client
// its requests and the queue of those waiting.
type admission struct {
	cfg     Admission
	metrics *metrics

	mu      sync.Mutex
	running int
	waiting int
	clients map[string]*client
	turns   []*client // clients with waiters, in turn order
}

type client struct {
	key    string
	active int // running or waiting
	queue  []*waiter
}

type waiter struct {
	ready   chan struct{}
	granted bool
}

// overload is why a request was not admitted.
type overload struct {
	status int // 429 for a client over its share, 503 for a full server
	reason string
	msg    string
}

func newAdmission(cfg Admission, m *metrics) *admission {
	return &admission{cfg: cfg.withDefaults(), metrics: m, clients: map[string]*client{}}
}

// clientKey identifies the client of r.
func (a *admission) clientKey(r *http.Request) string {
	if h := a.cfg.ClientHeader; h != "" {
		if v := strings.TrimSpace(strings.Split(r.Header.Get(h), ",")[0]); v != "" {
			return "h:" + v
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "a:" + host
}

// acquire waits for a slot for client key until deadline (or Wait,
// whichever comes first) and returns the function that gives it back, or
// why the request is refused.
func (a *admission) acquire(ctx context.Context, key string, deadline time.Time) (func(), *overload) {
	a.mu.Lock()
	c := a.clients[key]
	if c == nil {
		c = &client{key: key}
		a.clients[key] = c
	}
	if c.active >= a.cfg.PerClient {
		a.forget(c)
		a.mu.Unlock()
		return nil, a.refuse(&overload{status: http.StatusTooManyRequests, reason: "client",
			msg: fmt.Sprintf("this client already has %d requests running or waiting, its share of the server; wait for their answers before sending more", a.cfg.PerClient)})
	}
	if a.running < a.cfg.Concurrent && a.waiting == 0 {
		a.running++
		c.active++
		a.observe()
		a.mu.Unlock()
		return a.releaser(c), nil
	}
	if a.waiting >= a.cfg.Queue {
		a.forget(c)
		a.mu.Unlock()
		return nil, a.refuse(&overload{status: http.StatusServiceUnavailable, reason: "queue",
			msg: "the server is at capacity and its queue is full; try again shortly"})
	}
	w := &waiter{ready: make(chan struct{})}
	c.active++
	c.queue = append(c.queue, w)
	if len(c.queue) == 1 {
		a.turns = append(a.turns, c)
	}
	a.waiting++
	a.observe()
	a.mu.Unlock()

	wait := min(a.cfg.Wait, time.Until(deadline))
	timer := time.NewTimer(max(wait, 0))
	defer timer.Stop()
	select {
	case <-w.ready:
		return a.releaser(c), nil
	case <-ctx.Done():
	case <-timer.C:
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if w.granted { // the slot came as we gave up: take it
		return a.releaser(c), nil
	}
	for i, x := range c.queue {
		if x == w {
			c.queue = append(c.queue[:i], c.queue[i+1:]...)
			break
		}
	}
	if len(c.queue) == 0 {
		a.dropTurn(c)
	}
	a.waiting--
	c.active--
	a.forget(c)
	a.observe()
	return nil, a.refuse(&overload{status: http.StatusServiceUnavailable, reason: "wait",
		msg: fmt.Sprintf("the server is at capacity: no slot freed up within %s; try again shortly", wait.Round(time.Millisecond))})
}

// releaser gives the slot back once, and hands it to the next client in
// turn.
func (a *admission) releaser(c *client) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.running--
			c.active--
			a.forget(c)
			for a.running < a.cfg.Concurrent && len(a.turns) > 0 {
				next := a.turns[0]
				a.turns = a.turns[1:]
				w := next.queue[0]
				next.queue = next.queue[1:]
				if len(next.queue) > 0 {
					a.turns = append(a.turns, next) // back of the line
				}
				w.granted = true
				close(w.ready)
				a.waiting--
				a.running++
			}
			a.observe()
		})
	}
}

func (a *admission) dropTurn(c *client) {
	for i, x := range a.turns {
		if x == c {
			a.turns = append(a.turns[:i], a.turns[i+1:]...)
			return
		}
	}
}

// forget drops a client with nothing running or waiting, so the map stays
// as small as the number of requests in the server.
func (a *admission) forget(c *client) {
	if c.active == 0 {
		delete(a.clients, c.key)
	}
}

func (a *admission) observe() {
	a.metrics.running.Set(float64(a.running))
	a.metrics.waiting.Set(float64(a.waiting))
}

func (a *admission) refuse(o *overload) *overload {
	a.metrics.refused.WithLabelValues(o.reason).Inc()
	return o
}
