// Package app is atlasgraph's application layer. It names the questions
// users ask (list the releases, look an object up with its links, search)
// and assembles each answer once, so the command line, the GraphQL API and
// the web UI, which are faces over it, give the same answer to the same
// question.
//
// It reads complete releases through readmodel (held in memory, read from
// Neo4j once per version and digest), the rest through store (the only
// package that speaks Cypher), and computes with analysis; it does not
// parse command lines, speak HTTP or print.
package app

import (
	"context"
	"time"

	"github.com/atlasgraph/atlasgraph/actors"
	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/store"
)

// Service answers the questions of every face. It holds no request state
// and is safe for concurrent use.
type Service struct {
	store    *store.Store
	reader   *store.Reader
	model    *readmodel.Model // complete releases in memory
	actors   *actors.Service
	analysis *analysisCache // analysis inputs of the releases asked about last
}

// Options tune the service.
type Options struct {
	// Releases tunes the in-memory read model: how often the catalogue of
	// loaded releases is read again (Poll) and how many releases are held.
	Releases readmodel.Options
}

// New returns the application layer over a store. With a reader, st may be
// nil for a service that only answers reading questions (the GraphQL API).
func New(st *store.Store, reader *store.Reader, opt Options) *Service {
	if reader == nil {
		reader = store.NewReader(st, store.ReaderOptions{})
	}
	return &Service{store: st, reader: reader, model: readmodel.New(reader, opt.Releases), actors: actors.New(reader), analysis: &analysisCache{}}
}

// Model is the in-memory read model of complete releases: objects,
// filtered lists and relationships, answered without a round trip.
func (s *Service) Model() *readmodel.Model { return s.model }

// Actors is the actor directory (ATLAS case-study actors and ATT&CK groups
// by every name) the service uses.
func (s *Service) Actors() *actors.Service { return s.actors }

// Store is the store the service reads and writes.
func (s *Service) Store() *store.Store { return s.store }

// Reader is the read side the service uses.
func (s *Service) Reader() *store.Reader { return s.reader }

// Release is one loaded release as every face shows it.
type Release struct {
	Version  string        `json:"version"`
	Current  bool          `json:"current"`
	Status   string        `json:"status"`
	Format   string        `json:"format"`
	Name     string        `json:"name,omitempty"`
	Modified string        `json:"modified,omitempty"`
	SHA256   string        `json:"sha256"`
	Source   string        `json:"source"`
	LoadedAt *time.Time    `json:"loadedAt"`
	Counts   ReleaseCounts `json:"counts"`
	// Key, Nodes and Operation describe what is not a complete release:
	// the staging key of an interrupted replace, the nodes left, and the
	// operation under way (see store.ReleaseInfo).
	Key       string `json:"key,omitempty"`
	Nodes     int    `json:"nodes,omitempty"`
	Operation string `json:"operation,omitempty"`
}

// ReleaseCounts are the numbers of objects of each kind in a release.
type ReleaseCounts struct {
	Tactics     int `json:"tactics"`
	Techniques  int `json:"techniques"`
	Mitigations int `json:"mitigations"`
	CaseStudies int `json:"caseStudies"`
	Steps       int `json:"steps"`
	Actors      int `json:"actors"`
}

// ReleaseFrom converts the store's description of a release.
func ReleaseFrom(r store.ReleaseInfo) Release {
	out := Release{
		Version: r.Version, Current: r.Current, Status: r.Status, Format: r.Format, Name: r.Name,
		Modified: r.Modified, SHA256: r.SHA256, Source: r.Source, Key: r.Key, Nodes: r.Nodes, Operation: r.Operation,
		Counts: ReleaseCounts{r.Counts.Tactics, r.Counts.Techniques, r.Counts.Mitigations, r.Counts.CaseStudies, r.Counts.Steps, r.Counts.Actors},
	}
	if !r.LoadedAt.IsZero() {
		t := r.LoadedAt.UTC()
		out.LoadedAt = &t
	}
	return out
}

// Releases lists the loaded releases in the store's order: newest version
// first (store.SortReleases).
func (s *Service) Releases(ctx context.Context) ([]Release, error) {
	list, err := s.store.Releases(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Release, 0, len(list))
	for _, r := range list {
		out = append(out, ReleaseFrom(r))
	}
	return out, nil
}

// UseRelease makes a loaded release the current one. This service sees the
// switch at once; other servers within their read model's Poll.
func (s *Service) UseRelease(ctx context.Context, version string) error {
	defer s.model.Invalidate()
	return s.store.SetCurrent(ctx, version)
}

// PruneRelease deletes a loaded release that is not current.
func (s *Service) PruneRelease(ctx context.Context, version string) error {
	defer s.model.Invalidate()
	_, err := s.store.Prune(ctx, version)
	return err
}
