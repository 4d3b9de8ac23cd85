package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Operations that hold a release's lease, as BusyError names them.
const (
	opLoad    = "loading"
	opReplace = "replacing"
	opPrune   = "pruning"
	opSwitch  = "switching to"
)

// DefaultLeaseTTL is how long a lease outlives its last renewal. A holder
// renews it every third of that; a holder that died (kill -9, power loss)
// keeps the release for at most this long, and not at all from the view of
// another process on the same host, which sees the holder is gone.
const DefaultLeaseTTL = 30 * time.Second

// ErrReleaseBusy means another operation holds the release: a load, replace,
// prune or switch of the same version is under way. The error is a
// *BusyError.
var ErrReleaseBusy = errors.New("release busy")

// errLeaseLost means the holder's lease expired and was taken over while
// it was still working (it stalled for longer than the lease lasts).
var errLeaseLost = errors.New("the lease on the release was lost (this process stalled for longer than the lease lasts and another took over); nothing of this operation was made visible: run it again")

// BusyError says which operation holds a release, and until when at most.
type BusyError struct {
	Version   string
	Operation string // "loading", "replacing", "pruning", "switching to"
	Holder    string // host:pid:id of the holder
	Since     time.Time
	Expires   time.Time // when the lease lapses unless its holder renews it
}

func (e *BusyError) Error() string {
	left := time.Until(e.Expires).Round(time.Second)
	if left < 0 {
		left = 0
	}
	return fmt.Sprintf("release %s is busy: another process is %s it (holder %s, since %s); wait for it to finish and retry; "+
		"if that process died, its lease lapses at %s (in %s): retry after that",
		e.Version, e.Operation, e.Holder, e.Since.UTC().Format(time.TimeOnly+" UTC"), e.Expires.UTC().Format(time.TimeOnly+" UTC"), left)
}

// Is makes errors.Is(err, ErrReleaseBusy) true.
func (e *BusyError) Is(target error) bool { return target == ErrReleaseBusy }

// lease is one operation's hold on one release version, renewed in the
// background until released. The node (:ReleaseLease {version}) is unique
// per version; taking it over once it expired happens in one transaction
// that locks the node first, so two contenders never both win.
type lease struct {
	s       *Store
	version string
	holder  string
	cancel  context.CancelCauseFunc
	done    chan struct{}
	once    sync.Once
}

const leaseLock = `MERGE (l:ReleaseLease {version: $version})
SET l.lock = $holder`

const leaseTake = `MATCH (l:ReleaseLease {version: $version})
RETURN l.holder AS holder, l.operation AS operation, l.since AS since, l.expires AS expires,
  l.host AS host, l.pidns AS pidns, l.pid AS pid,
  (l.holder IS NULL OR l.expires IS NULL OR l.expires <= datetime()) AS free`

const leaseSet = `MATCH (l:ReleaseLease {version: $version})
SET l.holder = $holder, l.operation = $operation, l.since = datetime(),
  l.expires = datetime() + duration({milliseconds: $ttl}), l.lock = null,
  l.host = $host, l.pidns = $pidns, l.pid = $pid`

const leaseRenew = `MATCH (l:ReleaseLease {version: $version, holder: $holder})
SET l.expires = datetime() + duration({milliseconds: $ttl})
RETURN count(l) AS n`

// leaseRelease clears the lease rather than deleting its node: a
// contender that matched the node and waits for its lock must find it.
const leaseRelease = `MATCH (l:ReleaseLease {version: $version, holder: $holder})
SET l.holder = null, l.operation = null, l.expires = null, l.since = null`

// newHolder names a lease holder: host, process and a random part, so two
// operations of one process are two holders.
func newHolder() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), randomID())
}

func randomID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// switchWait is how long an operation waits for a lease held by a switch,
// which takes a moment, before it reports the release busy.
const switchWait = 5 * time.Second

// acquire takes the lease on version for op, or returns a *BusyError naming
// the holder. A lease held by a switch is waited for, up to switchWait. The
// returned context is cancelled, with errLeaseLost as its cause, if the
// lease is lost while the operation runs; release ends the lease and must
// be called (defer) whatever happens.
func (s *Store) acquire(ctx context.Context, version, op string) (*lease, context.Context, error) {
	deadline := time.Now().Add(switchWait)
	for {
		l, opCtx, err := s.tryAcquire(ctx, version, op)
		var busy *BusyError
		if !errors.As(err, &busy) || busy.Operation != opSwitch || time.Now().After(deadline) {
			return l, opCtx, err
		}
		select {
		case <-ctx.Done():
			return nil, nil, err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *Store) tryAcquire(ctx context.Context, version, op string) (*lease, context.Context, error) {
	ttl := s.ttl()
	holder := newHolder()
	host, _ := os.Hostname()
	p := map[string]any{"version": version, "holder": holder, "operation": op, "ttl": ttl.Milliseconds(),
		"host": host, "pidns": pidNamespace(), "pid": os.Getpid()}
	type taken struct {
		busy     *BusyError
		previous string // the holder whose lapsed or dead lease was taken over
	}
	sess := s.session(ctx, neo4j.AccessModeWrite)
	out, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		// Writing the node first takes its write lock for the rest of the
		// transaction: what is read next cannot change before the commit.
		if res, err := tx.Run(ctx, leaseLock, p); err != nil {
			return nil, err
		} else if _, err := res.Consume(ctx); err != nil {
			return nil, err
		}
		res, err := tx.Run(ctx, leaseTake, p)
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		m := rec.AsMap()
		if free, _ := m["free"].(bool); !free && !holderDead(m) {
			b := &BusyError{Version: version}
			b.Holder, _ = m["holder"].(string)
			b.Operation, _ = m["operation"].(string)
			b.Since, _ = m["since"].(time.Time)
			b.Expires, _ = m["expires"].(time.Time)
			// Undo the lock marker: leave the holder's node as it was.
			if res, err := tx.Run(ctx, `MATCH (l:ReleaseLease {version: $version}) SET l.lock = null`, p); err != nil {
				return nil, err
			} else if _, err := res.Consume(ctx); err != nil {
				return nil, err
			}
			return taken{busy: b}, nil
		}
		if res, err := tx.Run(ctx, leaseSet, p); err != nil {
			return nil, err
		} else if _, err := res.Consume(ctx); err != nil {
			return nil, err
		}
		previous, _ := m["holder"].(string)
		return taken{previous: previous}, nil
	})
	sess.Close(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("take the lease on release %s: %w", version, classify(err))
	}
	t := out.(taken)
	if t.busy != nil {
		return nil, nil, t.busy
	}
	opCtx, cancel := context.WithCancelCause(ctx)
	l := &lease{s: s, version: version, holder: holder, cancel: cancel, done: make(chan struct{})}
	opCtx = context.WithValue(opCtx, leaseKey{}, l)
	go l.renew(opCtx, ttl)
	if t.previous != "" {
		// The previous holder died or stalled past its lease: a transaction
		// it started may still be running, or committing, on the server.
		// End them before this operation looks at the release, or their
		// writes could appear after it reports done.
		if err := s.settle(opCtx, t.previous); err != nil {
			l.release(opCtx)
			return nil, nil, fmt.Errorf("take over the lease on release %s from %s: %w", version, t.previous, err)
		}
	}
	return l, opCtx, nil
}

// leaseMetadata is the transaction metadata key naming the lease holder a
// write was made for (SHOW TRANSACTIONS lists it as metaData.atlasgraphLease).
const leaseMetadata = "atlasgraphLease"

type leaseKey struct{}

// leaseOf returns the lease an operation's context was made for, or nil.
func leaseOf(ctx context.Context) *lease {
	l, _ := ctx.Value(leaseKey{}).(*lease)
	return l
}

// leaseTx is the transaction option of every write: under a lease (ctx is
// an operation's context from acquire) the transaction carries the holder
// in its metadata, so whoever takes the lease over can find it; otherwise
// it changes nothing.
func leaseTx(ctx context.Context) func(*neo4j.TransactionConfig) {
	l := leaseOf(ctx)
	return func(c *neo4j.TransactionConfig) {
		if l == nil {
			return
		}
		if c.Metadata == nil {
			c.Metadata = map[string]any{}
		}
		c.Metadata[leaseMetadata] = l.holder
	}
}

// SHOW TRANSACTIONS lists the transactions of the server it runs on; in a
// cluster a holder's writes run on the leader of the database, which is
// where this session's writes go too.
const (
	leaseTransactions = `SHOW TRANSACTIONS YIELD transactionId, metaData, status
WHERE metaData.` + leaseMetadata + ` = $holder AND NOT status STARTS WITH 'Terminated'
RETURN transactionId AS id`
	terminateTransactions = `TERMINATE TRANSACTIONS $ids`
)

// settleWait bounds how long a takeover waits for the previous holder's
// transactions to end once terminated (a commit already being written
// cannot be stopped, only waited for).
const settleWait = 30 * time.Second

// settle terminates the transactions run for holder that are still open on
// the server and waits until each is gone or marked terminated (a
// terminated transaction can no longer commit; Neo4j lists it until its
// client, here a dead one, closes it): then whatever that holder wrote has
// either committed, and is there for this operation to see, or never will. It is called by the new holder, after taking the lease over, so no
// new transaction of the old holder passes its fence meanwhile.
func (s *Store) settle(ctx context.Context, holder string) error {
	ctx, cancel := context.WithTimeout(ctx, settleWait)
	defer cancel()
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	for {
		res, err := sess.Run(ctx, leaseTransactions, map[string]any{"holder": holder})
		if err != nil {
			return fmt.Errorf("list the transactions of the previous holder: %w", classify(err))
		}
		recs, err := res.Collect(ctx)
		if err != nil {
			return fmt.Errorf("list the transactions of the previous holder: %w", classify(err))
		}
		if len(recs) == 0 {
			return nil
		}
		ids := make([]string, 0, len(recs))
		for _, r := range recs {
			if id, ok := r.Get("id"); ok {
				if s, ok := id.(string); ok {
					ids = append(ids, s)
				}
			}
		}
		res, err = sess.Run(ctx, terminateTransactions, map[string]any{"ids": ids})
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			return fmt.Errorf("terminate the transactions of the previous holder: %w", classify(err))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the previous holder's transactions %v did not end within %s: retry later: %w", ids, settleWait, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// holderDead reports whether the holder of a lease, as leaseTake returns
// it, was a process of this host and PID namespace that no longer exists
// (killed, crashed): its lease need not run out. Holders elsewhere are
// never judged dead; their lease lapses.
func holderDead(m map[string]any) bool {
	host, _ := os.Hostname()
	h, _ := m["host"].(string)
	ns, _ := m["pidns"].(string)
	pid, _ := m["pid"].(int64)
	return h != "" && h == host && ns != "" && ns == pidNamespace() && int(pid) != os.Getpid() && processGone(int(pid))
}

// renew extends the lease every third of its lifetime until released. If
// the lease is gone (taken over after this process stalled), the
// operation's context is cancelled so it stops writing.
func (l *lease) renew(ctx context.Context, ttl time.Duration) {
	defer close(l.done)
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	p := map[string]any{"version": l.version, "holder": l.holder, "ttl": ttl.Milliseconds()}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, err := l.s.writeCount(ctx, leaseRenew, p)
		if err != nil {
			// Neo4j may be briefly away; the fenced statements catch a
			// lease that lapsed meanwhile.
			continue
		}
		if n == 0 {
			l.cancel(errLeaseLost)
			return
		}
	}
}

// release ends the lease. It runs even when the operation's context is
// cancelled, with a short deadline of its own.
func (l *lease) release(ctx context.Context) {
	l.once.Do(func() {
		l.cancel(context.Canceled)
		<-l.done
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		// A failure leaves the lease to lapse on its own.
		_ = l.s.write(ctx, nil, leaseRelease, map[string]any{"version": l.version, "holder": l.holder})
	})
}

// params returns the parameters of a fenced statement: version and holder.
func (l *lease) params(extra map[string]any) map[string]any {
	p := map[string]any{"version": l.version, "holder": l.holder}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

// cause turns the cancellation of an operation's context into the reason.
func cause(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil && errors.Is(c, errLeaseLost) {
		return errLeaseLost
	}
	return err
}

// writeCount runs one write statement returning one integer column n.
func (s *Store) writeCount(ctx context.Context, cypher string, params map[string]any) (int64, error) {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	n, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		v, _ := rec.Get("n")
		return v, nil
	}, leaseTx(ctx))
	if err != nil {
		return 0, classify(err)
	}
	v, _ := n.(int64)
	return v, nil
}
