package attack

import (
	"sort"
	"strings"
	"unicode"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// Norm is the key two actor names are compared by: lower case, letters and digits only, so
// that case, punctuation and spacing do not matter ("APT 28", "apt-28" and "APT28" are
// one name; so are "Forest Blizzard" and "forest-blizzard").
func Norm(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CaseStudyActor is an actor an ATLAS release names in its case studies.
type CaseStudyActor struct {
	ID      string
	Name    string
	Aliases []string
}

// Actor is one real-world actor across both sources: an ATT&CK group, an ATLAS case-study
// actor, or both merged.
type Actor struct {
	// ID is the ATLAS actor id when a case study names the actor, else a slug of the
	// group's name ("aquatic-panda").
	ID   string
	Name string
	// Aliases are every other name the actor goes by in either source, sorted.
	Aliases []string
	// Group is the ATT&CK group, nil for an actor only ATLAS knows.
	Group *Group
	// CaseStudyActors are the ids of the ATLAS actors merged into this one, sorted.
	CaseStudyActors []string
}

// AttackID is the group's ATT&CK id, "" for an actor only ATLAS knows.
func (a Actor) AttackID() string {
	if a.Group == nil {
		return ""
	}
	return a.Group.ID
}

// Directory holds every actor of one ATLAS release and one ATT&CK version, and finds them by
// any of their names.
type Directory struct {
	Actors []Actor          // sorted by id
	byKey  map[string][]int // Norm of id, name and every alias -> indexes into Actors
}

// Merge builds the directory. A case-study actor is the same actor as an ATT&CK group when
// its name or one of its spellings, normalised with Norm, equals the group's name or one of
// its aliases, and no other group's. A case-study actor whose name matches several groups
// (a shared alias) is not merged: which group it means cannot be told. Several case-study
// actors may merge into one group; the actor then takes the smallest of their ids.
func Merge(caseStudyActors []CaseStudyActor, groups []Group) *Directory {
	groupsByKey := map[string][]int{}
	for i, g := range groups {
		seen := map[string]bool{}
		for _, n := range append([]string{g.Name}, g.Aliases...) {
			k := Norm(n)
			if k != "" && !seen[k] {
				seen[k] = true
				groupsByKey[k] = append(groupsByKey[k], i)
			}
		}
	}
	merged := map[int][]CaseStudyActor{}
	var alone []CaseStudyActor
	for _, a := range caseStudyActors {
		match := map[int]bool{}
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			for _, gi := range groupsByKey[Norm(n)] {
				match[gi] = true
			}
		}
		if len(match) == 1 {
			for gi := range match {
				merged[gi] = append(merged[gi], a)
			}
			continue
		}
		alone = append(alone, a)
	}
	d := &Directory{}
	for i := range groups {
		g := groups[i]
		act := Actor{ID: atlas.ActorID(g.Name), Name: g.Name, Group: &g}
		names := append([]string{}, g.Aliases...)
		cs := merged[i]
		sort.Slice(cs, func(x, y int) bool { return cs[x].ID < cs[y].ID })
		for j, c := range cs {
			if j == 0 {
				act.ID = c.ID
			}
			act.CaseStudyActors = append(act.CaseStudyActors, c.ID)
			names = append(names, c.Name)
			names = append(names, c.Aliases...)
		}
		act.Aliases = aliasesBut(act.Name, names)
		d.Actors = append(d.Actors, act)
	}
	for _, c := range alone {
		d.Actors = append(d.Actors, Actor{ID: c.ID, Name: c.Name, Aliases: aliasesBut(c.Name, c.Aliases), CaseStudyActors: []string{c.ID}})
	}
	// A group whose slug equals a case-study actor's id that was not merged with it (a
	// shared alias) keeps its ATT&CK id as its id, so ids stay unique.
	sort.SliceStable(d.Actors, func(i, j int) bool { return d.Actors[i].ID < d.Actors[j].ID })
	for i := 1; i < len(d.Actors); i++ {
		if d.Actors[i].ID == d.Actors[i-1].ID {
			for _, k := range []int{i - 1, i} {
				if d.Actors[k].Group != nil && len(d.Actors[k].CaseStudyActors) == 0 {
					d.Actors[k].ID = strings.ToLower(d.Actors[k].Group.ID)
				}
			}
		}
	}
	sort.SliceStable(d.Actors, func(i, j int) bool { return d.Actors[i].ID < d.Actors[j].ID })
	d.byKey = map[string][]int{}
	for i, a := range d.Actors {
		seen := map[string]bool{}
		keys := []string{Norm(a.ID), Norm(a.Name)}
		if a.Group != nil {
			keys = append(keys, Norm(a.Group.ID))
		}
		for _, n := range a.Aliases {
			keys = append(keys, Norm(n))
		}
		for _, k := range keys {
			if k != "" && !seen[k] {
				seen[k] = true
				d.byKey[k] = append(d.byKey[k], i)
			}
		}
	}
	return d
}

// Find returns the actors one name (an id, a name, an alias or an ATT&CK id, compared with
// Norm) stands for: none, one, or several when the name is an alias several actors share.
func (d *Directory) Find(name string) []Actor {
	var out []Actor
	for _, i := range d.byKey[Norm(name)] {
		out = append(out, d.Actors[i])
	}
	return out
}

// Shared reports whether a name is an alias of more than one actor.
func (d *Directory) Shared(name string) bool { return len(d.byKey[Norm(name)]) > 1 }

func aliasesBut(name string, names []string) []string {
	out := []string{}
	seen := map[string]bool{name: true}
	for _, n := range names {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
