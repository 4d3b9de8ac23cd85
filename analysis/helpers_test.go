package analysis

import (
	"strings"
	"testing"
)

// chainOf builds a chain from a compact spec: space-separated steps written
// "id:technique>next,next" (">..." optional, technique may be empty).
func chainOf(t *testing.T, id, spec string) Chain {
	t.Helper()
	ch := Chain{ID: id}
	for _, f := range strings.Fields(spec) {
		idTech, next, hasNext := strings.Cut(f, ">")
		sid, tech, ok := strings.Cut(idTech, ":")
		if !ok {
			t.Fatalf("chain spec %q: step %q lacks ':'", spec, f)
		}
		s := Step{ID: sid, Technique: tech}
		if hasNext {
			s.Next = strings.Split(next, ",")
		}
		ch.Steps = append(ch.Steps, s)
	}
	return ch
}

// linear builds a linear chain whose steps s0, s1, ... use the techniques given.
func linear(id string, techs ...string) Chain {
	ch := Chain{ID: id}
	for i, tech := range techs {
		s := Step{ID: stepID(i), Technique: tech}
		if i+1 < len(techs) {
			s.Next = []string{stepID(i + 1)}
		}
		ch.Steps = append(ch.Steps, s)
	}
	return ch
}

func stepID(i int) string { return "s" + string(rune('0'+i/10)) + string(rune('0'+i%10)) }
