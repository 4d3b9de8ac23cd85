package store

import (
	"context"
	"fmt"
)

// schema lists the constraints and indexes a release needs, created before
// the first write so every MATCH in a load is an index seek.
var schema = []string{
	`CREATE CONSTRAINT release_version IF NOT EXISTS FOR (r:Release) REQUIRE r.version IS UNIQUE`,
	`CREATE INDEX release_current IF NOT EXISTS FOR (r:Release) ON (r.current)`,
	// One lease per release version: loads, replaces, prunes and switches
	// of a version exclude each other through it (lease.go).
	`CREATE CONSTRAINT release_lease_version IF NOT EXISTS FOR (l:ReleaseLease) REQUIRE l.version IS UNIQUE`,
	`CREATE CONSTRAINT tactic_key IF NOT EXISTS FOR (n:Tactic) REQUIRE (n.release, n.id) IS UNIQUE`,
	`CREATE CONSTRAINT technique_key IF NOT EXISTS FOR (n:Technique) REQUIRE (n.release, n.id) IS UNIQUE`,
	`CREATE CONSTRAINT mitigation_key IF NOT EXISTS FOR (n:Mitigation) REQUIRE (n.release, n.id) IS UNIQUE`,
	`CREATE CONSTRAINT case_study_key IF NOT EXISTS FOR (n:CaseStudy) REQUIRE (n.release, n.id) IS UNIQUE`,
	`CREATE CONSTRAINT step_key IF NOT EXISTS FOR (n:Step) REQUIRE (n.release, n.id) IS UNIQUE`,
	`CREATE CONSTRAINT actor_key IF NOT EXISTS FOR (n:Actor) REQUIRE (n.release, n.id) IS UNIQUE`,
	`CREATE INDEX tactic_release IF NOT EXISTS FOR (n:Tactic) ON (n.release)`,
	`CREATE INDEX technique_release IF NOT EXISTS FOR (n:Technique) ON (n.release)`,
	`CREATE INDEX mitigation_release IF NOT EXISTS FOR (n:Mitigation) ON (n.release)`,
	`CREATE INDEX case_study_release IF NOT EXISTS FOR (n:CaseStudy) ON (n.release)`,
	`CREATE INDEX step_release IF NOT EXISTS FOR (n:Step) ON (n.release)`,
	`CREATE INDEX actor_release IF NOT EXISTS FOR (n:Actor) ON (n.release)`,
	// Full-text search over names and descriptions, for the API's search.
	`CREATE FULLTEXT INDEX atlas_text IF NOT EXISTS FOR (n:Tactic|Technique|Mitigation|CaseStudy|Actor) ON EACH [n.name, n.description]`,
}

// EnsureSchema creates the constraints and indexes if they are missing and
// waits until they are online. It is safe to call at every start; after it
// succeeded once, later calls on the same Store return at once.
func (s *Store) EnsureSchema(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.schemaReady {
		return nil
	}
	for _, stmt := range schema {
		if err := s.write(ctx, nil, stmt, nil); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	if err := s.write(ctx, nil, `CALL db.awaitIndexes(300)`, nil); err != nil {
		return fmt.Errorf("wait for indexes: %w", err)
	}
	s.schemaReady = true
	return nil
}
