package mcp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/atlasgraph/atlasgraph/app"
)

// The prompts: conversations an assistant can start with the user, using
// the tools above.

func (f *face) addPrompts(srv *sdk.Server) {
	srv.AddPrompt(&sdk.Prompt{Name: "threat_model_my_ai_system", Title: "Threat-model my AI system",
		Description: "Walk the user through the components, data flows and controls of their AI system, write the threat model, and evaluate it against ATLAS.",
		Arguments: []*sdk.PromptArgument{
			{Name: "system", Description: "a sentence or two about the system, e.g. 'a support chatbot answering from our help centre'"},
			{Name: "template", Description: "the template to start from: " + strings.Join(app.ModelTemplates, ", ") + " (default rag-chatbot)"},
		}}, f.threatModelPrompt)
	srv.AddPrompt(&sdk.Prompt{Name: "explain_case_study", Title: "Explain this case study",
		Description: "Explain an ATLAS case study step by step (who, what, which techniques) and which mitigations would have broken it.",
		Arguments: []*sdk.PromptArgument{
			{Name: "caseStudy", Description: "a case study id or name, e.g. AML.CS0000", Required: true},
			{Name: "release", Description: "ATLAS release version; default the current one"},
		}}, f.caseStudyPrompt)
}

func userText(s string) *sdk.PromptMessage {
	return &sdk.PromptMessage{Role: "user", Content: &sdk.TextContent{Text: s}}
}

func (f *face) threatModelPrompt(_ context.Context, req *sdk.GetPromptRequest) (*sdk.GetPromptResult, error) {
	tmpl := req.Params.Arguments["template"]
	if tmpl == "" {
		tmpl = "rag-chatbot"
	}
	if !slices.Contains(app.ModelTemplates, tmpl) {
		return nil, fmt.Errorf("BAD_INPUT: no template %q; use one of %s", tmpl, strings.Join(app.ModelTemplates, ", "))
	}
	data, err := app.ModelTemplate(tmpl)
	if err != nil {
		return nil, fmt.Errorf("BAD_INPUT: %s", app.ErrorMessage(err))
	}
	system := strings.TrimSpace(req.Params.Arguments["system"])
	if system == "" {
		system = "(not described yet: ask me)"
	}
	text := `Help me threat-model my AI system against MITRE ATLAS, with the atlasgraph tools.

My system: ` + system + `

Work through it with me, one step at a time, asking before you assume:
1. Components: list what the system is made of (user interfaces, backends, models and model APIs, retrievers, vector stores,
   document ingestion, tools and plugins an agent can call, training data and pipelines, model registries). For each, ask
   whether it faces the internet, accepts untrusted content, handles sensitive data, is run by a third party.
2. Flows: which components send content to which (user text to the model, retrieved passages into the prompt, model output
   to tools or to a browser), and which flows carry untrusted content.
3. Controls: which mitigations are already in place (input filtering, output encoding, least-privilege tools, access control,
   monitoring, data provenance), each on the component it protects.
4. Write the model as YAML in the shape of the template below (keep its field names and component kinds; change names,
   properties, flows and controls to match my system).
5. Call evaluate_threat_model with the YAML. Explain the applicable techniques, the case studies that could happen to my
   system, and the recommended mitigations in order; use show or chain_mitigations to back up any claim with ATLAS evidence.
   Name the ATLAS release the answer comes from.

Template ` + tmpl + ` (resource ` + uriTemplatePfx + tmpl + `):

` + "```yaml\n" + string(data) + "```\n"
	return &sdk.GetPromptResult{Description: "Threat-model an AI system, starting from the " + tmpl + " template", Messages: []*sdk.PromptMessage{userText(text)}}, nil
}

func (f *face) caseStudyPrompt(ctx context.Context, req *sdk.GetPromptRequest) (*sdk.GetPromptResult, error) {
	ctx, cancel := f.bounded(ctx)
	defer cancel()
	id := strings.TrimSpace(req.Params.Arguments["caseStudy"])
	if id == "" {
		return nil, fmt.Errorf("BAD_INPUT: give a case study id or name, e.g. AML.CS0000")
	}
	obj, err := f.svc.Show(ctx, req.Params.Arguments["release"], id)
	if err == nil && obj.Kind != app.KindCaseStudy {
		err = app.Errorf(app.NotFound, "%s is a %s, not a case study; search for the case study's name", id, strings.ToLower(obj.Kind))
	}
	if err != nil {
		e := presentError(err)
		return nil, fmt.Errorf("%s: %s", e.Code, e.Message)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Explain the ATLAS case study %s %q (ATLAS release %s) to me.\n\n", obj.ID, obj.Name, obj.Release)
	fmt.Fprintf(&b, "Summary: %s\n\n", obj.Description)
	for _, fa := range obj.Facts {
		fmt.Fprintf(&b, "- %s: %s\n", fa.Label, fa.Value)
	}
	for _, g := range obj.Links {
		fmt.Fprintf(&b, "\n%s:\n", g.Relation)
		for _, l := range g.Items {
			if l.Note != "" {
				fmt.Fprintf(&b, "- %s %s: %s\n", l.ID, l.Name, l.Note)
			} else {
				fmt.Fprintf(&b, "- %s %s\n", l.ID, l.Name)
			}
		}
	}
	fmt.Fprintf(&b, "\nTell the story step by step: who the attacker was, what they targeted, and which ATLAS technique each step used and why. "+
		"Then call chain_mitigations with caseStudy %s and explain which mitigations would have broken the attack, at which step, "+
		"and which steps no mitigation covers. Cite ids, and name the release.\n", obj.ID)
	return &sdk.GetPromptResult{Description: "Explain case study " + obj.ID, Messages: []*sdk.PromptMessage{userText(b.String())}}, nil
}
