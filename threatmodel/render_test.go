package threatmodel

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
)

const asOf = "2026-06-01"

var (
	relOnce sync.Once
	relV    *atlas.Release
	relIn   *analysis.Input
	relErr  error
)

// release2605 parses the shared ATLAS 2026.05 once.
func release2605(t *testing.T) (*atlas.Release, *analysis.Input) {
	t.Helper()
	relOnce.Do(func() {
		p, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
		if err != nil {
			relErr = err
			return
		}
		b, err := os.ReadFile(p)
		if err != nil {
			relErr = err
			return
		}
		relV, _, relErr = loader.Parse(p, b, loader.Limits{})
		if relErr == nil {
			relIn = analysis.FromRelease(relV)
		}
	})
	if relErr != nil {
		t.Fatal(relErr)
	}
	return relV, relIn
}

func templateModel(t *testing.T, name string) *Model {
	t.Helper()
	data, err := Template(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(name+".yaml", data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func evaluate(t *testing.T, m *Model) *Report {
	t.Helper()
	rel, in := release2605(t)
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckRelease(rel.Version, in); err != nil {
		t.Fatal(err)
	}
	r, err := Evaluate(context.Background(), m, rel, in, rs, Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func schema(t *testing.T, file string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/schema/" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(file, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(file)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFormatsMatchTheirSchemas renders every template in every format and
// validates the JSON ones against their schemas: SARIF against OASIS's
// 2.1.0 schema, the layer against the ATLAS Navigator's 4.3 definition, the JSON
// report against docs' report schema.
func TestFormatsMatchTheirSchemas(t *testing.T) {
	schemas := map[string]*jsonschema.Schema{
		"sarif":     schema(t, "sarif-schema-2.1.0.json"),
		"navigator": schema(t, "../../../navigator/testdata/layer-4.3.schema.json"),
		"json":      schema(t, "report.schema.json"),
	}
	for _, name := range Templates {
		t.Run(name, func(t *testing.T) {
			m := templateModel(t, name)
			r := evaluate(t, m)
			for format, s := range schemas {
				out, err := Render(m, r, format)
				if err != nil {
					t.Fatal(err)
				}
				doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
				if err != nil {
					t.Fatalf("%s: not JSON: %v", format, err)
				}
				if err := s.Validate(doc); err != nil {
					t.Errorf("%s does not match its schema: %v", format, err)
				}
			}
			var sarif struct {
				Version string
				Runs    []struct {
					Results []struct {
						RuleID    string
						Locations []struct {
							PhysicalLocation struct {
								ArtifactLocation struct{ URI string }
								Region           struct{ StartLine int }
							}
						}
					}
				}
			}
			out, _ := Render(m, r, "sarif")
			if err := json.Unmarshal(out, &sarif); err != nil {
				t.Fatal(err)
			}
			if sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) == 0 {
				t.Fatalf("sarif: version %q, %d runs", sarif.Version, len(sarif.Runs))
			}
			for _, res := range sarif.Runs[0].Results {
				l := res.Locations[0].PhysicalLocation
				if l.ArtifactLocation.URI != name+".yaml" || l.Region.StartLine < 1 {
					t.Errorf("sarif result %s points at %s:%d, not a line of the model", res.RuleID, l.ArtifactLocation.URI, l.Region.StartLine)
				}
			}
			var nav struct {
				Versions   struct{ Layer string }
				Techniques []struct{ TechniqueID, Color string }
			}
			out, _ = Render(m, r, "navigator")
			if err := json.Unmarshal(out, &nav); err != nil {
				t.Fatal(err)
			}
			if nav.Versions.Layer != "4.3" || len(nav.Techniques) < len(r.ApplicableTechniques) {
				t.Errorf("navigator: layer %q, %d techniques, want 4.3 and %d", nav.Versions.Layer, len(nav.Techniques), len(r.ApplicableTechniques))
			}
			md, _ := Render(m, r, "markdown")
			mer, _ := Render(m, r, "mermaid")
			if !bytes.Contains(md, []byte("```mermaid\n"+string(mer))) || !bytes.HasPrefix(mer, []byte("flowchart LR\n")) {
				t.Error("the Markdown report does not embed the Mermaid diagram")
			}
			for _, c := range m.Components {
				if !bytes.Contains(mer, []byte(mermaidText(c.Name))) {
					t.Errorf("the diagram lacks component %s", c.ID)
				}
			}
		})
	}
}

// TestReportsAreByteIdentical evaluates each template twice from scratch.
func TestReportsAreByteIdentical(t *testing.T) {
	for _, name := range Templates {
		ma, mb := templateModel(t, name), templateModel(t, name)
		a, b := evaluate(t, ma), evaluate(t, mb)
		for _, f := range Formats {
			x, err := Render(ma, a, f)
			if err != nil {
				t.Fatal(err)
			}
			y, _ := Render(mb, b, f)
			if !bytes.Equal(x, y) {
				t.Errorf("%s %s: two reports differ", name, f)
			}
		}
	}
}

// TestAddingAControlRemovesExactlyWhatItBreaks adds each template's first
// recommended mitigation as an implemented control on every component and
// checks what changes: exactly the techniques it mitigates become
// mitigated, exactly the unbroken incidents using one of them become
// broken, and no residual path keeps one.
func TestAddingAControlRemovesExactlyWhatItBreaks(t *testing.T) {
	_, in := release2605(t)
	for _, name := range Templates {
		t.Run(name, func(t *testing.T) {
			before := evaluate(t, templateModel(t, name))
			if len(before.RecommendedMitigations) == 0 {
				t.Fatal("no recommendation to add")
			}
			mit := before.RecommendedMitigations[0].ID
			m := templateModel(t, name)
			m.Controls = append(m.Controls, Control{ID: "added", Mitigation: mit, Status: StatusImplemented})
			after := evaluate(t, m)

			// Under the cut rule the mitigation mitigates the techniques
			// its links cut: prevent links, acting on the system, at
			// steps on the defender's side (direct or through a parent),
			// on every component the technique applies to.
			mitigates := map[string]bool{}
			reached := m.reachedByOutsiders()
			for _, a := range before.ApplicableTechniques {
				for _, le := range a.Effects {
					if le.Mitigation != mit || !linkCuts(le, Side(a.Side), false) {
						continue
					}
					everywhere := true
					for _, c := range a.Components {
						comp, _ := m.Component(c)
						everywhere = everywhere && linkActsOn(le, comp, reached[c])
					}
					mitigates[a.ID] = everywhere
				}
			}
			newly := map[string]bool{}
			st := map[string]string{}
			for _, a := range before.ApplicableTechniques {
				st[a.ID] = a.Status
			}
			if len(after.ApplicableTechniques) != len(before.ApplicableTechniques) {
				t.Fatalf("applicable techniques changed: %d -> %d", len(before.ApplicableTechniques), len(after.ApplicableTechniques))
			}
			for _, a := range after.ApplicableTechniques {
				want := st[a.ID]
				if mitigates[a.ID] {
					want = StatusMitigated
				}
				if a.Status != want {
					t.Errorf("%s: %s -> %s, want %s", a.ID, st[a.ID], a.Status, want)
				}
				if want == StatusMitigated && st[a.ID] != StatusMitigated {
					newly[a.ID] = true
				}
			}
			if len(newly) == 0 {
				t.Fatal("the recommended mitigation mitigated nothing")
			}
			// An incident breaks when one of its steps uses a newly cut
			// technique, unless the step's own side (steps.yaml) puts it
			// on the adversary's side.
			sem, err := DefaultSemantics()
			if err != nil {
				t.Fatal(err)
			}
			broken := map[string]bool{}
			for _, i := range before.Incidents {
				broken[i.CaseStudy] = i.Broken
				ch, _ := in.Chain(i.CaseStudy)
				for _, st := range ch.Steps {
					o, ok := sem.Steps[StepKey{i.CaseStudy, st.ID}]
					if newly[st.Technique] && !(ok && o.Technique == st.Technique && o.Side == SideAttacker) {
						broken[i.CaseStudy] = true
					}
				}
			}
			if len(after.Incidents) != len(before.Incidents) {
				t.Fatalf("incidents changed: %d -> %d", len(before.Incidents), len(after.Incidents))
			}
			for _, i := range after.Incidents {
				if i.Broken != broken[i.CaseStudy] {
					t.Errorf("incident %s broken = %v, want %v", i.CaseStudy, i.Broken, broken[i.CaseStudy])
				}
			}
			for _, p := range after.ResidualPaths {
				for _, tech := range p.Techniques {
					if newly[tech] {
						t.Errorf("residual path %s still goes through %s", strings.Join(p.Techniques, ">"), tech)
					}
				}
			}
			for _, r := range after.RecommendedMitigations {
				if r.ID == mit {
					t.Errorf("%s is still recommended after it was implemented everywhere", mit)
				}
			}
		})
	}
}

// TestPendingControlsDoNotMitigate turns every control of a template into
// a planned one: nothing is mitigated any more.
func TestPendingControlsDoNotMitigate(t *testing.T) {
	m := templateModel(t, "fraud-classifier")
	for i := range m.Controls {
		m.Controls[i].Status = StatusPlanned
	}
	r := evaluate(t, m)
	if r.Summary.Mitigated != 0 || r.Summary.IncidentsBroken != 0 {
		t.Errorf("planned controls mitigate: %+v", r.Summary)
	}
	pending := 0
	for _, a := range r.ApplicableTechniques {
		pending += len(a.Pending)
	}
	if pending == 0 {
		t.Error("no technique lists the planned controls as pending")
	}
}

// TestFailOnHonoursAcceptedRisks accepts every uncovered technique: the
// uncovered gate passes; once the acceptances expire, it fails.
func TestFailOnHonoursAcceptedRisks(t *testing.T) {
	m := templateModel(t, "rag-chatbot")
	r := evaluate(t, m)
	if Failure(r, []string{"uncovered"}) == "" {
		t.Fatal("the template has no uncovered technique to accept")
	}
	m.AcceptedRisks = nil
	for _, u := range r.UncoveredTechniques {
		m.AcceptedRisks = append(m.AcceptedRisks, AcceptedRisk{Technique: u.ID, Owner: "o", Reason: "r", Expires: asOf})
	}
	if why := Failure(evaluate(t, m), []string{"uncovered"}); why != "" {
		t.Errorf("accepted risks still fail the gate: %s", why)
	}
	for i := range m.AcceptedRisks {
		m.AcceptedRisks[i].Expires = "2026-05-31"
	}
	if why := Failure(evaluate(t, m), []string{"uncovered"}); why == "" {
		t.Error("expired acceptances do not fail the gate")
	}
}
