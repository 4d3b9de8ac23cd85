package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// ReaderOptions tune the read side.
type ReaderOptions struct {
	// TxTimeout is the transaction timeout Neo4j enforces on every read;
	// zero leaves Neo4j's own setting. Keep it below the request deadline
	// so the database stops work nobody waits for any more.
	TxTimeout time.Duration
	// SnapshotTimeout bounds reading one release whole (Snapshot); zero
	// means DefaultSnapshotTimeout.
	SnapshotTimeout time.Duration
}

// Reader answers the read queries of the API: one query per object lookup
// or list, and one batched query per relationship for many objects at
// once. Every value goes in as a parameter. A Reader holds no state
// between calls and is safe for concurrent use. It never writes.
type Reader struct {
	s   *Store
	opt ReaderOptions
}

// NewReader returns the read side of a store.
func NewReader(s *Store, opt ReaderOptions) *Reader {
	return &Reader{s: s, opt: opt}
}

// QueryObserver is told about each query the Reader sends, before it is
// sent. It must be safe for concurrent use and must not keep params.
type QueryObserver func(cypher string, params map[string]any)

type observerKey struct{}

// WithQueryObserver returns a context under which every Reader query is
// reported to f, after any observer ctx already has. It is how a server
// counts the round trips of a request and how the benchmark records the
// Cypher a GraphQL query runs. Store methods outside the Reader (loads,
// snapshots, diffs) are not observed.
func WithQueryObserver(ctx context.Context, f QueryObserver) context.Context {
	if prev, ok := ctx.Value(observerKey{}).(QueryObserver); ok {
		next := f
		f = func(cypher string, params map[string]any) {
			prev(cypher, params)
			next(cypher, params)
		}
	}
	return context.WithValue(ctx, observerKey{}, f)
}

// query runs one read query in its own managed transaction and returns
// every record. It is the only way the Reader reaches Neo4j.
func (r *Reader) query(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	if f, ok := ctx.Value(observerKey{}).(QueryObserver); ok {
		f(cypher, params)
	}
	res, err := neo4j.ExecuteQuery(ctx, r.s.driver, cypher, params, neo4j.EagerResultTransformer, r.QueryOptions()...)
	if err != nil {
		if ctx.Err() != nil {
			// The caller's deadline or cancellation, not Neo4j's health.
			return nil, fmt.Errorf("%w: %v", ctx.Err(), err)
		}
		return nil, classifyRead(err)
	}
	return res.Records, nil
}

// QueryOptions are the options the Reader passes to neo4j.ExecuteQuery.
// They are exported so that the benchmark can run the same Cypher the same
// way straight through the driver.
func (r *Reader) QueryOptions() []neo4j.ExecuteQueryConfigurationOption {
	opts := []neo4j.ExecuteQueryConfigurationOption{
		neo4j.ExecuteQueryWithDatabase(r.s.database),
		neo4j.ExecuteQueryWithReadersRouting(),
		// Reads need no causal chaining to earlier writes of this process.
		neo4j.ExecuteQueryWithoutBookmarkManager(),
	}
	if r.opt.TxTimeout > 0 {
		opts = append(opts, neo4j.ExecuteQueryWithTransactionConfig(neo4j.WithTxTimeout(r.opt.TxTimeout)))
	}
	return opts
}

// classifyRead maps the errors a read can meet onto the sentinels.
func classifyRead(err error) error {
	// After retries the driver reports the attempts; what matters is the
	// last one.
	var limit *neo4j.TransactionExecutionLimit
	if errors.As(err, &limit) && len(limit.Errors) > 0 {
		last := limit.Errors[len(limit.Errors)-1]
		switch {
		case isPoolWait(last):
			return fmt.Errorf("%w: %v", atlas.ErrBusy, err)
		case neo4j.IsConnectivityError(last):
			return fmt.Errorf("%w: %v", atlas.ErrUnavailable, err)
		case strings.Contains(limit.Cause, context.DeadlineExceeded.Error()):
			return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
		}
		err = last
	}
	if isPoolWait(err) {
		return fmt.Errorf("%w: %v", atlas.ErrBusy, err)
	}
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) {
		switch {
		case strings.HasPrefix(ne.Code, "Neo.ClientError.Transaction.TransactionTimedOut"):
			return fmt.Errorf("%w: %v", atlas.ErrTimeout, err)
		case ne.Code == "Neo.ClientError.Procedure.ProcedureCallFailed" && strings.Contains(ne.Msg, "fulltext"):
			// The search text was escaped and checked before it was sent; this
			// is the last line of defence, not the expected path.
			return fmt.Errorf("%w: the search text is not a valid query", atlas.ErrBadInput)
		}
	}
	return classify(err)
}

// isPoolWait reports whether err is the driver's time-out waiting for a
// connection of its pool (or a full pool), which it reports as a
// connectivity error although no connection failed. The driver's types
// for it are internal, hence the type names.
func isPoolWait(err error) bool {
	var ce *neo4j.ConnectivityError
	if !errors.As(err, &ce) || ce.Inner == nil {
		return false
	}
	switch fmt.Sprintf("%T", ce.Inner) {
	case "*errorutil.PoolTimeout", "*errorutil.PoolFull":
		return true
	}
	return false
}

// Ping checks that Neo4j answers and says which release is current ("" if
// none). It is what readiness probes call.
func (r *Reader) Ping(ctx context.Context) (current string, err error) {
	recs, err := r.query(ctx, `OPTIONAL MATCH (r:Release {current: true, status: $status}) RETURN r.version AS version`,
		map[string]any{"status": statusComplete})
	if err != nil {
		return "", fmt.Errorf("ping Neo4j: %w", err)
	}
	if len(recs) == 0 {
		return "", nil
	}
	v, _ := recs[0].Get("version")
	s, _ := v.(string)
	return s, nil
}

// recString reads a string column; absent or null reads as "".
func recString(rec *neo4j.Record, key string) string {
	v, _ := rec.Get(key)
	s, _ := v.(string)
	return s
}
