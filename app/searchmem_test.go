package app_test

import (
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/view"
)

// hitText is the name and description of a hit's object, lower-cased.
func hitText(h app.SearchHit) string {
	var e view.Entity
	switch {
	case h.Hit.Tactic != nil:
		e = h.Hit.Tactic.Entity
	case h.Hit.Technique != nil:
		e = h.Hit.Technique.Entity
	case h.Hit.Mitigation != nil:
		e = h.Hit.Mitigation.Entity
	case h.Hit.CaseStudy != nil:
		e = h.Hit.CaseStudy.Entity
	case h.Hit.Actor != nil:
		return strings.ToLower(h.Hit.Actor.Name + " " + strings.Join(h.Hit.Actor.Aliases, " "))
	}
	return strings.ToLower(e.Name + " " + e.Description)
}

// TestSearchWithoutDatabase: a service over a release file searches it in
// memory with the syntax of the full-text index, and finds mitigations by
// what they do, with their effect.
func TestSearchWithoutDatabase(t *testing.T) {
	svc, err := app.OpenFile(ctx, app.EmbeddedRelease)
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Search(ctx, "", "input filtering", 5)
	if err != nil || len(res.Hits) == 0 || res.Hits[0].ID != "AML.M0020" || res.Hits[0].Effect != "prevent" {
		t.Errorf("input filtering: %+v, %v; want AML.M0020 (prevent) first", res, err)
	}

	res, err = svc.Search(ctx, "", `"prompt injection"`, 20)
	if err != nil || len(res.Hits) < 2 {
		t.Fatalf("\"prompt injection\": %+v, %v", res, err)
	}
	if h := res.Hits[0]; h.Kind != view.KindTechnique || !strings.Contains(strings.ToLower(h.Name), "prompt injection") {
		t.Errorf("\"prompt injection\": first hit %s %q, want the technique named so", h.ID, h.Name)
	}
	for _, h := range res.Hits {
		if !strings.Contains(hitText(h), "prompt injection") {
			t.Errorf("\"prompt injection\": %s %q does not hold the phrase", h.ID, h.Name)
		}
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Score > res.Hits[i-1].Score {
			t.Errorf("hits not best first: %s %v after %s %v", res.Hits[i].ID, res.Hits[i].Score, res.Hits[i-1].ID, res.Hits[i-1].Score)
		}
	}

	res, err = svc.Search(ctx, "", "poison* -backdoor", 100)
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("poison* -backdoor: %+v, %v", res, err)
	}
	for _, h := range res.Hits {
		if s := hitText(h); !strings.Contains(s, "poison") || strings.Contains(s, "backdoor") {
			t.Errorf("poison* -backdoor: %s %q", h.ID, h.Name)
		}
	}

	if res, err = svc.Search(ctx, "", "model", 3); err != nil || len(res.Hits) != 3 {
		t.Errorf("model, limit 3: %d hits, %v", len(res.Hits), err)
	}
	_, err = svc.Search(ctx, "", `"unbalanced`, 5)
	wantCode(t, err, app.BadInput, "unbalanced double quote")
	_, err = svc.Search(ctx, "", "-only -excluded", 5)
	wantCode(t, err, app.BadInput, "no word to look for")
}
