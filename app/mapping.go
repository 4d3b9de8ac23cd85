package app

import (
	"context"

	"github.com/atlasgraph/atlasgraph/mapping"
)

// MaxMappingRows bounds one mapping check.
const MaxMappingRows = 5000

// ValidateMapping checks the ATLAS ids and names of a control mapping (a
// CSV, JSON or YAML file of a team's controls, or rows sent over GraphQL)
// against every loaded release: unknown ids, names that do not match, ids
// retired or renamed in a newer release.
func (s *Service) ValidateMapping(ctx context.Context, rows []mapping.Row) (_ *mapping.Report, err error) {
	defer wrap(&err)
	if len(rows) > MaxMappingRows {
		return nil, errorf(BadInput, "a mapping check takes at most %d rows, got %d; split them", MaxMappingRows, len(rows))
	}
	if err := s.db("a mapping check"); err != nil {
		return nil, err
	}
	names, err := s.reader.ReleaseNames(ctx)
	if err != nil {
		return nil, fail(err)
	}
	rels := make([]mapping.Names, len(names))
	for i, n := range names {
		rels[i] = mapping.Names{Version: n.Version, Objects: n.Objects}
	}
	rep := mapping.Check(rows, rels)
	return &rep, nil
}
