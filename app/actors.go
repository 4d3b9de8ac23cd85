package app

import (
	"context"

	"github.com/atlasgraph/atlasgraph/actors"
	"github.com/atlasgraph/atlasgraph/attack"
	"github.com/atlasgraph/atlasgraph/view"
)

// The actor questions: ATLAS case-study actors and ATT&CK groups, merged
// and found by every name (package actors), with the evidence of each
// actor-to-technique link.

// DefaultAttackUpstream is where ATT&CK versions are downloaded from.
const DefaultAttackUpstream = attack.DefaultUpstream

// MaxActors bounds how many actors one comparison or layer takes.
const MaxActors = actors.MaxActors

// Actors lists the actors of a release ("" for the current one) with an
// ATT&CK version ("" for the current one, if any) that meet f, by id. A
// name several actors go by brings them all, each with SharedAlias set.
func (s *Service) ActorList(ctx context.Context, release, attackVersion string, f view.ActorFilter) (_ []view.Actor, err error) {
	defer wrap(&err)
	af := actors.Filter{Name: f.Name, Search: f.Search, Technique: f.Technique}
	if f.Via != nil {
		af.Via = *f.Via
	}
	if err := s.db("actors"); err != nil {
		return nil, err
	}
	l, _, err := s.actors.Actors(ctx, release, attackVersion, af)
	return l, fail(err)
}

// Actor returns the actors a name stands for: one, or several when the
// name is an alias they share. An unknown name is NotFound.
func (s *Service) Actor(ctx context.Context, release, attackVersion, name string) (_ []view.Actor, err error) {
	defer wrap(&err)
	if err := s.db("actors"); err != nil {
		return nil, err
	}
	l, err := s.actors.Actor(ctx, release, attackVersion, name)
	return l, fail(err)
}

// ActorTechniques returns, for each actor id of a release, the techniques
// it uses with the kind of link and the evidence, by technique id.
func (s *Service) ActorTechniques(ctx context.Context, release, attackVersion string, ids []string) (_ map[string][]view.ActorTechnique, err error) {
	defer wrap(&err)
	if err := s.db("actors"); err != nil {
		return nil, err
	}
	m, err := s.actors.Techniques(ctx, release, attackVersion, ids)
	return m, fail(err)
}

// TechniqueActors returns, for each technique id, the actors seen using it.
func (s *Service) TechniqueActors(ctx context.Context, release, attackVersion string, ids []string) (_ map[string][]view.TechniqueActor, err error) {
	defer wrap(&err)
	if err := s.db("actors"); err != nil {
		return nil, err
	}
	m, err := s.actors.TechniqueActors(ctx, release, attackVersion, ids)
	return m, fail(err)
}

// Overlap compares actors (each name may bring several): the techniques
// each uses and those they share.
func (s *Service) Overlap(ctx context.Context, release, attackVersion string, names []string) (_ *view.Overlap, err error) {
	defer wrap(&err)
	if err := s.db("actors"); err != nil {
		return nil, err
	}
	o, err := s.actors.Overlap(ctx, release, attackVersion, names)
	return o, fail(err)
}

// LayerRequest asks for a Navigator layer of exactly one of: actors, a case
// study, or techniques.
type LayerRequest = actors.LayerRequest

// Layer draws the Navigator layer a request asks for.
func (s *Service) Layer(ctx context.Context, q LayerRequest) (_ *view.Layer, err error) {
	defer wrap(&err)
	if err := s.db("a layer"); err != nil {
		return nil, err
	}
	l, err := s.actors.Layer(ctx, q)
	return l, fail(err)
}
