// Package store is the only place that speaks Cypher. It writes ATLAS
// releases to Neo4j in batches, keeps several releases side by side, switches
// the current one atomically, and reads releases back.
//
// Every node and relationship carries a release property holding the
// version of the release it belongs to; ids are unique per release. Values
// always reach Cypher as parameters; labels and relationship types are
// constants of this package, never built from input.
package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Store reads and writes ATLAS releases in one Neo4j database.
type Store struct {
	driver   neo4j.DriverWithContext
	database string

	mu          sync.Mutex
	schemaReady bool // EnsureSchema succeeded once in this process

	leaseTTL time.Duration            // DefaultLeaseTTL when zero
	txRows   int                      // TxRows when zero
	fault    func(point string) error // tests interrupt operations here
}

func (s *Store) ttl() time.Duration {
	if s.leaseTTL <= 0 {
		return DefaultLeaseTTL
	}
	return s.leaseTTL
}

// checkpoint is a named point of a release operation where the fault tests
// interrupt it (return an error, or kill the process). It does nothing
// otherwise.
func (s *Store) checkpoint(point string) error {
	if s.fault == nil {
		return nil
	}
	return s.fault(point)
}

// New returns a Store over an open driver; the caller owns the driver and
// closes it.
func New(driver neo4j.DriverWithContext, database string) *Store {
	return &Store{driver: driver, database: database}
}

// session opens a session of mode. Its transactions share the driver's
// bookmark manager with read, so that in a Neo4j cluster a read of this
// process waits until the reader it is routed to has applied this
// process's earlier writes (read-your-writes; without a cluster there is
// nothing to wait for). The Reader opts out (its release data never
// changes under it).
func (s *Store) session(ctx context.Context, mode neo4j.AccessMode) neo4j.SessionWithContext {
	return s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: mode,
		BookmarkManager: s.driver.ExecuteQueryBookmarkManager()})
}

// Counters adds up what the write statements of an operation changed, as
// Neo4j reports it.
type Counters struct {
	NodesCreated         int
	NodesDeleted         int
	RelationshipsCreated int
	RelationshipsDeleted int
	PropertiesSet        int
	LabelsAdded          int
}

func (c *Counters) add(sc neo4j.Counters) {
	c.NodesCreated += sc.NodesCreated()
	c.NodesDeleted += sc.NodesDeleted()
	c.RelationshipsCreated += sc.RelationshipsCreated()
	c.RelationshipsDeleted += sc.RelationshipsDeleted()
	c.PropertiesSet += sc.PropertiesSet()
	c.LabelsAdded += sc.LabelsAdded()
}

func (c *Counters) add2(o Counters) {
	c.NodesCreated += o.NodesCreated
	c.NodesDeleted += o.NodesDeleted
	c.RelationshipsCreated += o.RelationshipsCreated
	c.RelationshipsDeleted += o.RelationshipsDeleted
	c.PropertiesSet += o.PropertiesSet
	c.LabelsAdded += o.LabelsAdded
}

// Total is the sum of all counters: zero when nothing changed.
func (c Counters) Total() int {
	return c.NodesCreated + c.NodesDeleted + c.RelationshipsCreated + c.RelationshipsDeleted + c.PropertiesSet + c.LabelsAdded
}

// write runs one statement in a managed write transaction and adds its
// counters to c.
func (s *Store) write(ctx context.Context, c *Counters, cypher string, params map[string]any) error {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return nil, err
		}
		if c != nil {
			c.add(sum.Counters())
		}
		return nil, nil
	}, leaseTx(ctx))
	return classify(err)
}

// read runs one query on a reader (in a cluster, any member that serves
// reads) and returns its records. It sees this process's earlier writes
// (see session), not necessarily those of other processes a moment ago.
func (s *Store) read(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	return s.readRouted(ctx, neo4j.ExecuteQueryWithReadersRouting(), cypher, params)
}

// readLatest runs one read query on the writer (in a cluster, the leader,
// which has every acknowledged write) and returns its records. It is for
// data that changes while servers run, the threat models: a read through
// any server then sees a write acknowledged by any other, which reader
// routing and per-process bookmarks do not promise. Without a cluster it
// is read.
func (s *Store) readLatest(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	return s.readRouted(ctx, neo4j.ExecuteQueryWithWritersRouting(), cypher, params)
}

func (s *Store) readRouted(ctx context.Context, routing neo4j.ExecuteQueryConfigurationOption, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := neo4j.ExecuteQuery(ctx, s.driver, cypher, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.database), routing)
	if err != nil {
		if ctx.Err() != nil {
			// The caller's deadline or cancellation, not Neo4j's health.
			return nil, fmt.Errorf("%w: %v", ctx.Err(), err)
		}
		return nil, classify(err)
	}
	return res.Records, nil
}

// classify wraps connectivity failures in atlas.ErrUnavailable so callers can tell
// "Neo4j is down" from a bug.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if neo4j.IsConnectivityError(err) {
		return fmt.Errorf("%w: %v", atlas.ErrUnavailable, err)
	}
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) && (ne.Code == "Neo.ClientError.Security.Unauthorized" || ne.Code == "Neo.ClientError.Security.AuthenticationRateLimit") {
		return fmt.Errorf("%w: Neo4j refused the user name or password (check NEO4J_USERNAME and NEO4J_PASSWORD): %v", atlas.ErrUnavailable, err)
	}
	return err
}
