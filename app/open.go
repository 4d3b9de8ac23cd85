package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/actors"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
	"github.com/atlasgraph/atlasgraph/threatmodel/actorsource"
)

// Config is what Open needs: where the database is and how the service is
// used. A command-line run leaves Serving false; a server sets it.
type Config struct {
	// Neo4j are the database settings; Open validates them.
	Neo4j *config.Neo4j
	// Serving opens the driver for a long-running server (short retries and
	// dials, a bounded wait for a pooled connection) and keeps the current
	// release (and the actor directory) in memory before anyone asks.
	Serving bool
	// TxTimeout is the transaction timeout Neo4j enforces on each read of
	// a request; zero leaves Neo4j's own.
	TxTimeout time.Duration
	// SnapshotTimeout bounds reading one release whole; zero means
	// store.DefaultSnapshotTimeout.
	SnapshotTimeout time.Duration
	// Releases tunes the releases held in memory.
	Releases ReleaseOptions
	// ThreatModels serves stored threat models (and creates their schema).
	ThreatModels bool
	// Logger receives what the service does in the background; nil
	// discards it.
	Logger *slog.Logger
}

// ReleaseOptions tune the releases held in memory.
type ReleaseOptions struct {
	// Poll is how old the catalogue of loaded releases may get before it
	// is read again: the time a switch made elsewhere takes to be seen.
	// Zero means DefaultPoll.
	Poll time.Duration
	// InMemory is how many complete releases are held, the least recently
	// used dropped first. Zero means DefaultReleasesInMemory.
	InMemory int
}

// Defaults of ReleaseOptions.
const (
	DefaultPoll             = readmodel.DefaultPoll
	DefaultReleasesInMemory = readmodel.DefaultReleases
)

// Open connects to Neo4j, checks within the settings' connect timeout that
// it answers and accepts the credentials, and returns the service every
// face uses. Close it when done.
func Open(ctx context.Context, cfg Config) (*Service, error) {
	if err := cfg.Neo4j.Validate(); err != nil {
		return nil, err
	}
	var driver neo4j.DriverWithContext
	var err error
	if cfg.Serving {
		driver, err = store.ConnectServing(ctx, cfg.Neo4j, store.ServingOptions{})
	} else {
		driver, err = store.Connect(ctx, cfg.Neo4j)
	}
	if err != nil {
		return nil, err
	}
	st := store.New(driver, cfg.Neo4j.Database)
	s, err := newService(ctx, st, cfg)
	if err != nil {
		driver.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	s.close = func(ctx context.Context) { driver.Close(ctx) }
	return s, nil
}

// New builds the service over a store whose driver the caller owns (tests
// and benchmarks that share one driver); cfg.Neo4j is not used. Products
// use Open.
func New(ctx context.Context, st *store.Store, cfg Config) (*Service, error) {
	return newService(ctx, st, cfg)
}

// newService builds the service over a store: the read side with its
// timeouts, the releases in memory, the actor directory and, when asked,
// the stored threat models.
func newService(ctx context.Context, st *store.Store, cfg Config) (*Service, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reader := store.NewReader(st, store.ReaderOptions{TxTimeout: cfg.TxTimeout, SnapshotTimeout: cfg.SnapshotTimeout})
	model := readmodel.New(reader, readmodel.Options{Poll: cfg.Releases.Poll, Releases: cfg.Releases.InMemory,
		ReadTimeout: cfg.SnapshotTimeout, Warm: cfg.Serving})
	s := &Service{store: st, reader: reader, model: model, actors: actors.New(reader, model), analysis: &analysisCache{},
		log: log, serving: cfg.Serving}
	rules, err := threatmodel.DefaultRules()
	if err != nil {
		return nil, err
	}
	s.tm = &threatmodel.Service{Rules: rules, Releases: s, Actors: actorsource.New(s.actors)}
	s.sem = rules.Semantics
	if cfg.ThreatModels {
		if err := st.EnsureThreatModelSchema(ctx); err != nil {
			return nil, fail(err)
		}
		s.tm.Store = modelStore{st}
	}
	return s, nil
}

// Close closes the connection to Neo4j.
func (s *Service) Close(ctx context.Context) {
	if s.close != nil {
		s.close(ctx)
	}
}
