package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// More sentinel errors of the read side, checked with errors.Is.
var (
	// ErrBadInput means a caller's argument cannot be used: a search text
	// that is not a query, an unknown maturity. The message says which.
	ErrBadInput = errors.New("bad input")
	// ErrTimeout means Neo4j stopped a query at the transaction timeout.
	ErrTimeout = errors.New("query timed out")
	// ErrBusy means the driver gave up waiting for a pooled connection:
	// this process has too many queries in flight. Neo4j itself may be
	// fine, so it is not ErrUnavailable.
	ErrBusy = errors.New("all connections to Neo4j are busy")
)

// NotFoundError says that a release, or an object of a release, is not in
// the graph. It wraps ErrNotFound, and its message is fit to show a user.
type NotFoundError struct {
	// Kind is "release", "tactic", "technique", "mitigation", "case study"
	// or "actor".
	Kind string
	// ID is the id or version asked for; "" with Kind "release" means the
	// current release.
	ID string
	// Release is the version that was searched, for objects.
	Release string
}

func (e *NotFoundError) Error() string {
	switch {
	case e.Kind == "release" && e.ID == "":
		return "no release is current; load one with atlasgraph load"
	case e.Kind == "release":
		return fmt.Sprintf("release %q is not loaded", e.ID)
	default:
		return fmt.Sprintf("%s %q is not in release %s", e.Kind, e.ID, e.Release)
	}
}

// Unwrap makes errors.Is(err, ErrNotFound) hold.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// ReaderOptions tune the read side.
type ReaderOptions struct {
	// TxTimeout is the transaction timeout Neo4j enforces on every read;
	// zero leaves Neo4j's own setting. Keep it below the request deadline
	// so the database stops work nobody waits for any more.
	TxTimeout time.Duration
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
			return fmt.Errorf("%w: %v", ErrBusy, err)
		case neo4j.IsConnectivityError(last):
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		case strings.Contains(limit.Cause, context.DeadlineExceeded.Error()):
			return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
		}
		err = last
	}
	if isPoolWait(err) {
		return fmt.Errorf("%w: %v", ErrBusy, err)
	}
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) {
		switch {
		case strings.HasPrefix(ne.Code, "Neo.ClientError.Transaction.TransactionTimedOut"):
			return fmt.Errorf("%w: %v", ErrTimeout, err)
		case ne.Code == "Neo.ClientError.Procedure.ProcedureCallFailed" && strings.Contains(ne.Msg, "fulltext"):
			// The search text was escaped and checked before it was sent; this
			// is the last line of defence, not the expected path.
			return fmt.Errorf("%w: the search text is not a valid query", ErrBadInput)
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

func recInt(rec *neo4j.Record, key string) int {
	v, _ := rec.Get(key)
	n, _ := v.(int64)
	return int(n)
}

func optProp(n dbtype.Node, k string) *string {
	if v, ok := n.Props[k].(string); ok && v != "" {
		return &v
	}
	return nil
}

func optDate(n dbtype.Node, k string) *string {
	if v := dateProp(n, k); v != "" {
		return &v
	}
	return nil
}

func entityFrom(n dbtype.Node, release string) Entity {
	o := objectFrom(n)
	return Entity{Release: release, ID: o.ID, Name: o.Name, Description: o.Description, UUID: optProp(n, "uuid"),
		References: o.References, Created: optDate(n, "createdDate"), Modified: optDate(n, "modifiedDate"), Attack: o.Attack}
}

func tacticFrom(n dbtype.Node, release string) Tactic {
	return Tactic{Entity: entityFrom(n, release), Position: intProp(n, "position")}
}

func techniqueFrom(n dbtype.Node, release string) Technique {
	return Technique{Entity: entityFrom(n, release), Platforms: strList(n, "platforms"), Maturity: optProp(n, "maturity"),
		ParentID: strProp(n, "parent")}
}

func mitigationFrom(n dbtype.Node, release string) Mitigation {
	return Mitigation{Entity: entityFrom(n, release), LifecyclePhases: strList(n, "lifecyclePhases"),
		Categories: strList(n, "categories")}
}

func caseStudyFrom(n dbtype.Node, release string) CaseStudy {
	var date *string
	if d := dateProp(n, "date"); d != "" {
		date = &d
	}
	return CaseStudy{Entity: entityFrom(n, release), Type: optProp(n, "type"), ActorText: optProp(n, "actorText"),
		Target: optProp(n, "target"), Reporter: optProp(n, "reporter"), Date: date,
		DateGranularity: optProp(n, "dateGranularity")}
}

func actorFrom(n dbtype.Node, release string) Actor {
	return Actor{Release: release, ID: strProp(n, "id"), Name: strProp(n, "name"), Aliases: strList(n, "aliases")}
}

// stepFrom reads a step from columns s (the node), technique and tactic.
func stepFrom(rec *neo4j.Record, release string) Step {
	n := node(rec, "s")
	return Step{Release: release, ID: strProp(n, "id"), StepID: strProp(n, "stepId"), CaseStudyID: strProp(n, "caseStudy"),
		Position: intProp(n, "position"), Description: strProp(n, "description"),
		TechniqueID: recString(rec, "technique"), TacticID: recString(rec, "tactic")}
}
