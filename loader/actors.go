package loader

import (
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// Threat actors are free text in ATLAS. normalizeActors turns that text into
// one atlas.Actor per real actor:
//
//   - spellings that differ only in case, apostrophes, quotes or spacing are
//     one actor ("Embrace the Red" and "Embrace The Red"); the most frequent
//     spelling names it, the others become aliases;
//   - a string naming several parties is split on commas, semicolons, " and "
//     and " & " ("DeepSeek, Moonshot AI, MiniMax" is three actors), except
//     when it describes one group ("Researchers at X and Y") or when a part
//     is a lowercase description of the one before ("ProKYC, cybercriminal
//     group" is ProKYC);
//   - values that name nobody ("Unknown", "Unknown Threat Actor", "Two
//     individuals") give no actor, so unrelated case studies are not merged
//     into one.
//
// The raw string always stays on the case study as ActorText.
func normalizeActors(rel *atlas.Release) {
	type acc struct {
		spellings map[string]int
		cases     map[string]bool
	}
	byKey := map[string]*acc{}
	for i := range rel.CaseStudies {
		cs := &rel.CaseStudies[i]
		cs.Actors = nil
		seen := map[string]bool{}
		for _, name := range splitActors(cs.ActorText) {
			k := atlas.ActorID(actorKey(name))
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			a := byKey[k]
			if a == nil {
				a = &acc{spellings: map[string]int{}, cases: map[string]bool{}}
				byKey[k] = a
			}
			a.spellings[name]++
			a.cases[cs.ID] = true
			cs.Actors = append(cs.Actors, k)
		}
		sort.Strings(cs.Actors)
	}
	rel.Actors = rel.Actors[:0]
	for k, a := range byKey {
		var names []string
		for n := range a.spellings {
			names = append(names, n)
		}
		// Most frequent spelling first; ties go to the one sorting first, so
		// the choice does not depend on file order.
		sort.Slice(names, func(i, j int) bool {
			if a.spellings[names[i]] != a.spellings[names[j]] {
				return a.spellings[names[i]] > a.spellings[names[j]]
			}
			return names[i] < names[j]
		})
		act := atlas.Actor{ID: k, Name: names[0], Aliases: sortedStrings(names[1:]), CaseStudies: sortedKeys(a.cases)}
		if act.Aliases == nil {
			act.Aliases = []string{}
		}
		rel.Actors = append(rel.Actors, act)
	}
	sort.Slice(rel.Actors, func(i, j int) bool { return rel.Actors[i].ID < rel.Actors[j].ID })
}

// anonymous matches actor values that name nobody in particular.
var anonymous = regexp.MustCompile(`(?i)^(unknown|unidentified|anonymous|unattributed|n/?a|none|-|` +
	`(unknown|unidentified|anonymous)\b.*|` +
	`(one|two|three|four|several|multiple|some|an?)\s+(individuals?|persons?|people|users?|attackers?|actors?|adversar(y|ies)))$`)

// groupDescription matches a string that describes one group even though it
// lists several organisations ("Researchers at A, B and C").
var groupDescription = regexp.MustCompile(`(?i)^(researchers|team|members|students|a group|group)\b`)

var splitter = regexp.MustCompile(`\s*(?:[,;]|\s&\s|\band\b)\s*`)

// splitActors returns the actor names one actor string holds, trimmed, with
// anonymous values dropped.
func splitActors(text string) []string {
	text = strings.TrimSpace(text)
	if text == "" || anonymous.MatchString(text) {
		return nil
	}
	if groupDescription.MatchString(text) {
		return []string{text}
	}
	var out []string
	for _, part := range splitter.Split(text, -1) {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case isDescription(part) && len(out) > 0:
			// "ProKYC, cybercriminal group": a description of the actor
			// before it, not another actor.
		case anonymous.MatchString(part):
		default:
			out = append(out, part)
		}
	}
	return out
}

// isDescription reports whether s is a lowercase phrase such as
// "cybercriminal group" rather than a name.
func isDescription(s string) bool {
	for _, w := range strings.Fields(s) {
		r := []rune(w)
		if len(r) > 0 && unicode.IsUpper(r[0]) {
			return false
		}
	}
	return strings.Contains(s, " ")
}

var apostrophes = strings.NewReplacer("\u2019", "'", "\u2018", "'", "`", "'", "\u201c", "\"", "\u201d", "\"")

// actorKey is the comparison key of an actor name: case, apostrophe style
// and spacing do not matter.
func actorKey(name string) string {
	name = apostrophes.Replace(name)
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
