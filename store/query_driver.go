package store

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	neo4jconfig "github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/atlasgraph/atlasgraph/internal/config"
)

// ServingOptions tune the driver of a long-running server so that requests
// fail fast while Neo4j is down instead of queueing behind the driver's
// defaults (a minute to get a connection, thirty seconds of retries).
type ServingOptions struct {
	// RetryTime bounds how long a failed read is retried. Zero means 1s.
	RetryTime time.Duration
	// AcquireTimeout bounds the wait for a pooled or new connection. Zero
	// means 2s.
	AcquireTimeout time.Duration
	// DialTimeout bounds a new TCP connection. Zero means 2s.
	DialTimeout time.Duration
	// PoolSize is the largest number of connections. Zero means 100.
	PoolSize int
}

// ConnectServing opens the one driver of a server with opt and, like
// Connect, checks within cfg.ConnectTimeout that Neo4j answers and accepts
// the credentials. The caller closes the driver.
func ConnectServing(ctx context.Context, cfg *config.Neo4j, opt ServingOptions) (neo4j.DriverWithContext, error) {
	or := func(d, def time.Duration) time.Duration {
		if d <= 0 {
			return def
		}
		return d
	}
	driver, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.BasicAuth(cfg.Username, cfg.Password, ""),
		func(c *neo4jconfig.Config) {
			c.MaxTransactionRetryTime = or(opt.RetryTime, time.Second)
			c.ConnectionAcquisitionTimeout = or(opt.AcquireTimeout, 2*time.Second)
			c.SocketConnectTimeout = or(opt.DialTimeout, 2*time.Second)
			if opt.PoolSize > 0 {
				c.MaxConnectionPoolSize = opt.PoolSize
			}
		})
	if err != nil {
		return nil, fmt.Errorf("cannot use %s %q: check its form, e.g. %s", config.EnvURI, cfg.RedactedURI(), config.DefaultURI)
	}
	if err := verify(ctx, driver, cfg); err != nil {
		driver.Close(context.Background())
		return nil, err
	}
	return driver, nil
}
