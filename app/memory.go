package app

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/threatmodel"
	"github.com/atlasgraph/atlasgraph/view"
)

// A service over releases held in memory only, with no database: what
// `model report --atlas FILE` uses, and what the tests of this package run
// on. The questions about releases, analyses and threat models are
// answered as over Neo4j; those that need the database (search, actors,
// stored threat models, loading) answer Unavailable.

// FromReleases returns a service over these releases, the last one current.
func FromReleases(rels ...*atlas.Release) (*Service, error) {
	src := &memorySource{}
	for i, r := range rels {
		src.rels = append(src.rels, r)
		src.infos = append(src.infos, view.ReleaseInfo{Version: r.Version, Format: string(r.Format), SHA256: r.SHA256, Source: r.Source,
			Name: r.Name, Description: r.Description, Modified: r.Modified, Status: view.StatusComplete, Current: i == len(rels)-1,
			Counts: countsOf(r)})
	}
	rules, err := threatmodel.DefaultRules()
	if err != nil {
		return nil, err
	}
	s := &Service{model: readmodel.New(src, readmodel.Options{}), analysis: &analysisCache{}, log: slog.New(slog.DiscardHandler)}
	s.tm = &threatmodel.Service{Rules: rules, Releases: s}
	s.sem = rules.Semantics
	return s, nil
}

// OpenFile reads a release file (or EmbeddedRelease) and returns a service
// over it alone.
func OpenFile(ctx context.Context, path string) (_ *Service, err error) {
	defer wrap(&err)
	var rel *atlas.Release
	if path == EmbeddedRelease {
		rel, _, err = ReadRelease(ctx, ReleaseSource{Release: EmbeddedRelease})
	} else {
		var data []byte
		if data, err = os.ReadFile(path); err != nil {
			return nil, errorf(BadInput, "cannot read the ATLAS release %s: %v; give a release file, or %s for the one built in", path, err, EmbeddedRelease)
		}
		rel, _, err = loader.Parse(path, data, loader.DefaultLimits())
	}
	if err != nil {
		return nil, err
	}
	return FromReleases(rel)
}

func countsOf(r *atlas.Release) view.ReleaseCounts {
	steps := 0
	for _, c := range r.CaseStudies {
		steps += len(c.Steps)
	}
	return view.ReleaseCounts{Tactics: len(r.Tactics), Techniques: len(r.Techniques), Mitigations: len(r.Mitigations),
		CaseStudies: len(r.CaseStudies), Steps: steps, Actors: len(r.Actors)}
}

// memorySource is a readmodel.Source over releases in memory.
type memorySource struct {
	rels  []*atlas.Release
	infos []view.ReleaseInfo
}

func (m *memorySource) Releases(context.Context) ([]view.ReleaseInfo, error) {
	out := make([]view.ReleaseInfo, len(m.infos))
	for i := range m.infos {
		out[len(out)-1-i] = m.infos[i] // newest (last given) first
		out[len(out)-1-i].LoadedAt = time.Time{}
	}
	return out, nil
}

func (m *memorySource) Release(_ context.Context, version string) (view.ReleaseInfo, error) {
	for _, r := range m.infos {
		if (version == "" && r.Current) || r.Version == version {
			return r, nil
		}
	}
	return view.ReleaseInfo{}, &atlas.NotFoundError{Kind: "release", ID: version}
}

func (m *memorySource) Snapshot(_ context.Context, info view.ReleaseInfo) (*atlas.Release, error) {
	for _, r := range m.rels {
		if r.Version == info.Version {
			return r, nil
		}
	}
	return nil, &atlas.NotFoundError{Kind: "release", ID: info.Version}
}

// needsDatabase is the error of a question a service without a database
// cannot answer.
func needsDatabase(what string) error {
	return errorf(Unavailable, "%s needs the graph database; this service reads release files only", what)
}

// db says whether the service has a database, for the questions that need
// one.
func (s *Service) db(what string) error {
	if s.store == nil || s.reader == nil {
		return needsDatabase(what)
	}
	return nil
}
