package store

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Batched reads: each query takes the ids of many objects of one release
// ($ids) and returns the objects at the other end of one relationship for
// all of them at once, one row per (id, object), so that a GraphQL field
// costs one round trip however many parents it has. Ids not in the release
// have no rows and map to nothing.
const (
	qTacticsByID = `UNWIND $ids AS id
MATCH (n:Tactic {release: $release, id: id})
RETURN id, n`
	qTechniquesByID = `UNWIND $ids AS id
MATCH (n:Technique {release: $release, id: id})
RETURN id, n`
	qCaseStudiesByID = `UNWIND $ids AS id
MATCH (n:CaseStudy {release: $release, id: id})
RETURN id, n`
	qTechniqueTactics = `UNWIND $ids AS id
MATCH (:Technique {release: $release, id: id})-[:ACHIEVES]->(n:Tactic)
RETURN id, n ORDER BY n.position`
	qTacticTechniques = `UNWIND $ids AS id
MATCH (:Tactic {release: $release, id: id})<-[:ACHIEVES]-(n:Technique)
RETURN id, n ORDER BY n.id`
	qSubtechniques = `UNWIND $ids AS id
MATCH (:Technique {release: $release, id: id})<-[:SPECIALIZES]-(n:Technique)
RETURN id, n ORDER BY n.id`
	qTechniqueMitigations = `UNWIND $ids AS id
MATCH (:Technique {release: $release, id: id})<-[m:MITIGATES]-(n:Mitigation)
RETURN id, n, m.description AS description ORDER BY n.id`
	qMitigationTechniques = `UNWIND $ids AS id
MATCH (:Mitigation {release: $release, id: id})-[m:MITIGATES]->(n:Technique)
RETURN id, n, m.description AS description ORDER BY n.id`
	qTechniqueCaseStudies = `UNWIND $ids AS id
MATCH (:Technique {release: $release, id: id})<-[:EMPLOYS]-(:Step)<-[:HAS_STEP]-(n:CaseStudy)
WITH DISTINCT id, n
RETURN id, n ORDER BY n.id`
	qCaseStudyActors = `UNWIND $ids AS id
MATCH (:CaseStudy {release: $release, id: id})-[:ATTRIBUTED_TO]->(n:Actor)
RETURN id, n ORDER BY n.id`
	qActorCaseStudies = `UNWIND $ids AS id
MATCH (:Actor {release: $release, id: id})<-[:ATTRIBUTED_TO]-(n:CaseStudy)
RETURN id, n ORDER BY n.id`
	qActorTechniques = `UNWIND $ids AS id
MATCH (:Actor {release: $release, id: id})-[u:USES]->(n:Technique)
RETURN id, n, u.caseStudies AS caseStudies ORDER BY n.id`
	qTechniqueActors = `UNWIND $ids AS id
MATCH (:Technique {release: $release, id: id})<-[u:USES]-(n:Actor)
RETURN id, n, u.caseStudies AS caseStudies ORDER BY n.id`
	qTechniqueFollowedBy = `UNWIND $ids AS id
MATCH (:Technique {release: $release, id: id})-[p:PRECEDES]->(n:Technique)
RETURN id, n, p.count AS count, p.caseStudies AS caseStudies ORDER BY p.count DESC, n.id`
	qTechniquePrecededBy = `UNWIND $ids AS id
MATCH (:Technique {release: $release, id: id})<-[p:PRECEDES]-(n:Technique)
RETURN id, n, p.count AS count, p.caseStudies AS caseStudies ORDER BY p.count DESC, n.id`
	// Steps come with the ids of their technique and tactic, which every
	// step has, so that Step needs no second query for them.
	qCaseStudySteps = `UNWIND $ids AS id
MATCH (:CaseStudy {release: $release, id: id})-[:HAS_STEP]->(s:Step)
MATCH (s)-[:EMPLOYS]->(t:Technique)
MATCH (s)-[:IN_TACTIC]->(ta:Tactic)
RETURN id, s, t.id AS technique, ta.id AS tactic ORDER BY s.position`
	qStepsLeadTo = `UNWIND $ids AS id
MATCH (:Step {release: $release, id: id})-[:LEADS_TO]->(s:Step)
MATCH (s)-[:EMPLOYS]->(t:Technique)
MATCH (s)-[:IN_TACTIC]->(ta:Tactic)
RETURN id, s, t.id AS technique, ta.id AS tactic ORDER BY s.position`
	qStepsLeadFrom = `UNWIND $ids AS id
MATCH (:Step {release: $release, id: id})<-[:LEADS_TO]-(s:Step)
MATCH (s)-[:EMPLOYS]->(t:Technique)
MATCH (s)-[:IN_TACTIC]->(ta:Tactic)
RETURN id, s, t.id AS technique, ta.id AS tactic ORDER BY s.position`
)

// grouped runs one batched query and groups its rows by the id column.
func grouped[T any](ctx context.Context, r *Reader, what, cypher, release string, ids []string, row func(*neo4j.Record) T) (map[string][]T, error) {
	out := make(map[string][]T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	recs, err := r.query(ctx, cypher, map[string]any{"release": release, "ids": ids})
	if err != nil {
		return nil, fmt.Errorf("read %s of %d objects of release %s: %w", what, len(ids), release, err)
	}
	for _, rec := range recs {
		id := recString(rec, "id")
		out[id] = append(out[id], row(rec))
	}
	return out, nil
}

// single is grouped for to-one relationships and lookups by id.
func single[T any](ctx context.Context, r *Reader, what, cypher, release string, ids []string, row func(*neo4j.Record) T) (map[string]T, error) {
	g, err := grouped(ctx, r, what, cypher, release, ids, row)
	if err != nil {
		return nil, err
	}
	out := make(map[string]T, len(g))
	for id, v := range g {
		out[id] = v[0]
	}
	return out, nil
}

// TacticsByID returns the tactics of a release with these ids.
func (r *Reader) TacticsByID(ctx context.Context, release string, ids []string) (map[string]Tactic, error) {
	return single(ctx, r, "tactics", qTacticsByID, release, ids, func(rec *neo4j.Record) Tactic {
		return tacticFrom(node(rec, "n"), release)
	})
}

// TechniquesByID returns the techniques of a release with these ids.
func (r *Reader) TechniquesByID(ctx context.Context, release string, ids []string) (map[string]Technique, error) {
	return single(ctx, r, "techniques", qTechniquesByID, release, ids, func(rec *neo4j.Record) Technique {
		return techniqueFrom(node(rec, "n"), release)
	})
}

// CaseStudiesByID returns the case studies of a release with these ids.
func (r *Reader) CaseStudiesByID(ctx context.Context, release string, ids []string) (map[string]CaseStudy, error) {
	return single(ctx, r, "case studies", qCaseStudiesByID, release, ids, func(rec *neo4j.Record) CaseStudy {
		return caseStudyFrom(node(rec, "n"), release)
	})
}

// TechniqueTactics returns, for each technique id, the tactics it achieves
// in matrix order.
func (r *Reader) TechniqueTactics(ctx context.Context, release string, ids []string) (map[string][]Tactic, error) {
	return grouped(ctx, r, "tactics", qTechniqueTactics, release, ids, func(rec *neo4j.Record) Tactic {
		return tacticFrom(node(rec, "n"), release)
	})
}

// TacticTechniques returns, for each tactic id, the techniques achieving
// it, sorted by id.
func (r *Reader) TacticTechniques(ctx context.Context, release string, ids []string) (map[string][]Technique, error) {
	return grouped(ctx, r, "techniques", qTacticTechniques, release, ids, func(rec *neo4j.Record) Technique {
		return techniqueFrom(node(rec, "n"), release)
	})
}

// Subtechniques returns, for each technique id, its sub-techniques sorted
// by id.
func (r *Reader) Subtechniques(ctx context.Context, release string, ids []string) (map[string][]Technique, error) {
	return grouped(ctx, r, "sub-techniques", qSubtechniques, release, ids, func(rec *neo4j.Record) Technique {
		return techniqueFrom(node(rec, "n"), release)
	})
}

// TechniqueMitigations returns, for each technique id, the mitigations that
// counter it with the text of each link, sorted by mitigation id.
func (r *Reader) TechniqueMitigations(ctx context.Context, release string, ids []string) (map[string][]TechniqueMitigation, error) {
	return grouped(ctx, r, "mitigations", qTechniqueMitigations, release, ids, func(rec *neo4j.Record) TechniqueMitigation {
		return TechniqueMitigation{Mitigation: mitigationFrom(node(rec, "n"), release), Description: recString(rec, "description")}
	})
}

// MitigationTechniques returns, for each mitigation id, the techniques it
// counters with the text of each link, sorted by technique id.
func (r *Reader) MitigationTechniques(ctx context.Context, release string, ids []string) (map[string][]MitigatedTechnique, error) {
	return grouped(ctx, r, "mitigated techniques", qMitigationTechniques, release, ids, func(rec *neo4j.Record) MitigatedTechnique {
		return MitigatedTechnique{Technique: techniqueFrom(node(rec, "n"), release), Description: recString(rec, "description")}
	})
}

// TechniqueCaseStudies returns, for each technique id, the case studies
// with a step using that very technique, sorted by id.
func (r *Reader) TechniqueCaseStudies(ctx context.Context, release string, ids []string) (map[string][]CaseStudy, error) {
	return grouped(ctx, r, "case studies", qTechniqueCaseStudies, release, ids, func(rec *neo4j.Record) CaseStudy {
		return caseStudyFrom(node(rec, "n"), release)
	})
}

// CaseStudyActors returns, for each case study id, the actors it is
// attributed to, sorted by id.
func (r *Reader) CaseStudyActors(ctx context.Context, release string, ids []string) (map[string][]Actor, error) {
	return grouped(ctx, r, "actors", qCaseStudyActors, release, ids, func(rec *neo4j.Record) Actor {
		return actorFrom(node(rec, "n"), release)
	})
}

// ActorCaseStudies returns, for each actor id, the case studies attributed
// to it, sorted by id.
func (r *Reader) ActorCaseStudies(ctx context.Context, release string, ids []string) (map[string][]CaseStudy, error) {
	return grouped(ctx, r, "case studies", qActorCaseStudies, release, ids, func(rec *neo4j.Record) CaseStudy {
		return caseStudyFrom(node(rec, "n"), release)
	})
}

// ActorTechniques returns, for each actor id, the techniques it used with
// the case studies showing each, sorted by technique id.
func (r *Reader) ActorTechniques(ctx context.Context, release string, ids []string) (map[string][]ActorTechnique, error) {
	return grouped(ctx, r, "techniques", qActorTechniques, release, ids, func(rec *neo4j.Record) ActorTechnique {
		return ActorTechnique{Technique: techniqueFrom(node(rec, "n"), release), CaseStudyIDs: recStrings(rec, "caseStudies")}
	})
}

// TechniqueActors returns, for each technique id, the actors seen using it
// with the case studies showing each, sorted by actor id.
func (r *Reader) TechniqueActors(ctx context.Context, release string, ids []string) (map[string][]TechniqueActor, error) {
	return grouped(ctx, r, "actors", qTechniqueActors, release, ids, func(rec *neo4j.Record) TechniqueActor {
		return TechniqueActor{Actor: actorFrom(node(rec, "n"), release), CaseStudyIDs: recStrings(rec, "caseStudies")}
	})
}

// TechniqueFollowedBy returns, for each technique id, the techniques seen
// right after it, the most frequent first.
func (r *Reader) TechniqueFollowedBy(ctx context.Context, release string, ids []string) (map[string][]TechniqueTransition, error) {
	return grouped(ctx, r, "following techniques", qTechniqueFollowedBy, release, ids, transitionRow(release))
}

// TechniquePrecededBy returns, for each technique id, the techniques seen
// right before it, the most frequent first.
func (r *Reader) TechniquePrecededBy(ctx context.Context, release string, ids []string) (map[string][]TechniqueTransition, error) {
	return grouped(ctx, r, "preceding techniques", qTechniquePrecededBy, release, ids, transitionRow(release))
}

func transitionRow(release string) func(*neo4j.Record) TechniqueTransition {
	return func(rec *neo4j.Record) TechniqueTransition {
		return TechniqueTransition{Technique: techniqueFrom(node(rec, "n"), release), Count: recInt(rec, "count"),
			CaseStudyIDs: recStrings(rec, "caseStudies")}
	}
}

// CaseStudySteps returns, for each case study id, its steps in order.
func (r *Reader) CaseStudySteps(ctx context.Context, release string, ids []string) (map[string][]Step, error) {
	return grouped(ctx, r, "steps", qCaseStudySteps, release, ids, func(rec *neo4j.Record) Step { return stepFrom(rec, release) })
}

// StepsLeadTo returns, for each step key ("AML.CS0000/S00"), the steps it
// leads to, in order.
func (r *Reader) StepsLeadTo(ctx context.Context, release string, keys []string) (map[string][]Step, error) {
	return grouped(ctx, r, "next steps", qStepsLeadTo, release, keys, func(rec *neo4j.Record) Step { return stepFrom(rec, release) })
}

// StepsLeadFrom returns, for each step key, the steps that lead to it, in
// order.
func (r *Reader) StepsLeadFrom(ctx context.Context, release string, keys []string) (map[string][]Step, error) {
	return grouped(ctx, r, "previous steps", qStepsLeadFrom, release, keys, func(rec *neo4j.Record) Step { return stepFrom(rec, release) })
}
