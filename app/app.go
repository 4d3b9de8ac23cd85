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
	"log/slog"
	"time"

	"github.com/atlasgraph/atlasgraph/actors"
	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
	"github.com/atlasgraph/atlasgraph/view"
)

// Service answers the questions of every face: the command line, the
// GraphQL API, the web UI and MCP. Build it once with Open and hand it to
// each face. It holds no request state and is safe for concurrent use.
type Service struct {
	store    *store.Store
	reader   *store.Reader
	model    *readmodel.Model // complete releases in memory
	actors   *actors.Service
	analysis *analysisCache // analysis inputs of the releases asked about last
	tm       *threatmodel.Service
	sem      *threatmodel.Semantics // what each mitigation does, where each step happens
	log      *slog.Logger
	serving  bool
	close    func(context.Context)
}

// Actors is the actor directory (ATLAS case-study actors and ATT&CK groups
// by every name) the service uses.
func (s *Service) Actors() *actors.Service { return s.actors }

// ThreatModels is the threat-model service, over the releases held here.
func (s *Service) ThreatModels() *threatmodel.Service { return s.tm }

// StatusComplete is the status of a usable release; the others name what
// an interrupted operation left (see atlasgraph releases).
const StatusComplete = view.StatusComplete

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
	// operation under way (see view.ReleaseInfo).
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
func ReleaseFrom(r view.ReleaseInfo) Release {
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
func (s *Service) Releases(ctx context.Context) (_ []Release, err error) {
	defer wrap(&err)
	if err := s.db("listing releases"); err != nil {
		return nil, err
	}
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
func (s *Service) UseRelease(ctx context.Context, version string) (err error) {
	defer wrap(&err)
	defer s.model.Invalidate()
	if err := s.db("switching releases"); err != nil {
		return err
	}
	return s.store.SetCurrent(ctx, version)
}

// PruneRelease deletes a loaded release that is not current.
func (s *Service) PruneRelease(ctx context.Context, version string) (err error) {
	defer wrap(&err)
	defer s.model.Invalidate()
	if err := s.db("pruning releases"); err != nil {
		return err
	}
	_, err = s.store.Prune(ctx, version)
	return err
}
