package app

import (
	"errors"

	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// What a form editing a threat model needs beyond the edits of a kept
// model: the taxonomy to offer, the whole model replaced at once, and the
// problems of a refused model one by one with the field each concerns.

// ModelProblem is one thing wrong with a threat model: the field at fault
// as a path in the model's input ("components[0].kind", "flows[2].from",
// "preferences.costs.AML.M0015"; empty for the whole model), the line and
// column in a model file when it came from one (0 otherwise), and the
// sentence to show.
type ModelProblem struct {
	Field   string
	Line    int
	Col     int
	Message string
}

// ModelProblems lists the problems of an error refusing a threat model, or
// nil when err is not such a refusal. The error's message holds the same
// problems as one text.
func ModelProblems(err error) []ModelProblem {
	var ve *threatmodel.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	out := make([]ModelProblem, 0, len(ve.Problems))
	for _, p := range ve.Problems {
		out = append(out, ModelProblem{Field: p.Field, Line: p.Pos.Line, Col: p.Pos.Col, Message: p.Msg})
	}
	return out
}

// ReplaceModel is the edit of a kept model that replaces its whole content
// (name, description, release, components, flows, controls, accepted risks
// and preferences) with n's, as a form saving the model does. The kept
// model's id and version rules stay: UpdateModel checks the version and
// validates the result.
func ReplaceModel(n *ThreatModel) ModelChange {
	return func(m *ThreatModel) error {
		src := m.Source
		*m = *n
		m.Source = src
		return nil
	}
}

// ModelKind documents a kind of component a model may use.
type ModelKind = threatmodel.KindInfo

// ModelProperty documents a property a component may have.
type ModelProperty = threatmodel.PropertyInfo

// ModelKinds is the taxonomy of component kinds, by id.
func ModelKinds() []ModelKind { return threatmodel.Kinds() }

// ModelProperties is the catalogue of component properties, by name.
func ModelProperties() []ModelProperty { return threatmodel.Properties() }
