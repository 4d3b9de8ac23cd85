package view

import "github.com/atlasgraph/atlasgraph/navigator"

// Overlap compares actors: the techniques each uses and those several of them share.
type Overlap struct {
	Release string
	// AttackVersion is nil when no ATT&CK is loaded.
	AttackVersion *string
	Actors        []Actor
	// Techniques maps an actor id to its links.
	Techniques map[string][]ActorTechnique
	// Shared are the techniques used by at least two of the actors, sorted by id.
	Shared []SharedTechnique
}

// SharedTechnique is a technique several of the compared actors use.
type SharedTechnique struct {
	Technique Technique
	// ActorIDs are the actors using it, sorted; All is set when every compared actor does.
	ActorIDs []string
	All      bool
}

// ActorTechniques is one actor with its techniques, in an Overlap.
type ActorTechniques struct {
	Actor      Actor
	Techniques []ActorTechnique
}

// PerActor lists each compared actor with its techniques, in the order of Actors.
func (o *Overlap) PerActor() []ActorTechniques {
	out := make([]ActorTechniques, 0, len(o.Actors))
	for _, a := range o.Actors {
		out = append(out, ActorTechniques{Actor: a, Techniques: o.Techniques[a.ID]})
	}
	return out
}

// Layer is a Navigator layer with what it was computed from.
type Layer struct {
	Layer *navigator.Layer
	Name  string
	// JSON is the layer file.
	JSON           string
	TechniqueCount int
	Release        string
	// AttackVersion is nil when the layer does not use ATT&CK.
	AttackVersion *string
}
