package store

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/internal/config"
)

// Connect opens one driver for the process and checks that Neo4j answers
// and accepts the credentials within cfg.ConnectTimeout. The caller closes
// the driver.
func Connect(ctx context.Context, cfg *config.Neo4j) (neo4j.DriverWithContext, error) {
	driver, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.BasicAuth(cfg.Username, cfg.Password, ""))
	if err != nil {
		return nil, fmt.Errorf("cannot use %s %q: %v", config.EnvURI, cfg.URI, err)
	}
	cctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if err := driver.VerifyAuthentication(cctx, nil); err != nil {
		driver.Close(ctx)
		if err := classify(err); err != nil {
			return nil, fmt.Errorf("cannot reach Neo4j at %s within %s (start it with `make neo4j`, or check %s): %w",
				cfg.URI, cfg.ConnectTimeout, config.EnvURI, err)
		}
	}
	return driver, nil
}
