package threatmodel

import (
	"context"
	"fmt"
	"regexp"
)

// ModelStore keeps threat models by id with a version number. The store
// package implements it over Neo4j.
type ModelStore interface {
	CreateModel(ctx context.Context, id string, m *Model) (int, error)
	ReplaceModel(ctx context.Context, id string, version int, m *Model) (int, error)
	GetStored(ctx context.Context, id string) (*Model, int, error)
	ListModels(ctx context.Context, limit int) ([]string, error)
	DeleteModel(ctx context.Context, id string, version int) error
}

// MaxStoredModels bounds a listing.
const MaxStoredModels = 1000

var modelIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// Stored is a model as kept, with its id and version.
type Stored struct {
	ID      string
	Version int
	Model   *Model
}

// validateForStore runs every check a stored model must pass: structure,
// sizes and ids of its release. Nothing is written when it fails.
func (s *Service) validateForStore(ctx context.Context, m *Model) error {
	if err := m.Validate(Limits{}); err != nil {
		return err
	}
	_, _, err := s.Check(ctx, m)
	return err
}

// Create validates and stores a new model.
func (s *Service) Create(ctx context.Context, id string, m *Model) (*Stored, error) {
	if !modelIDPattern.MatchString(id) {
		return nil, &ValidationError{[]Problem{{Field: "id", Msg: fmt.Sprintf("model id %q: use lower-case letters, digits and '-', at most 64 characters", id)}}}
	}
	if err := s.validateForStore(ctx, m); err != nil {
		return nil, err
	}
	v, err := s.Store.CreateModel(ctx, id, m)
	if err != nil {
		return nil, err
	}
	return &Stored{ID: id, Version: v, Model: m}, nil
}

// Get reads a stored model.
func (s *Service) Get(ctx context.Context, id string) (*Stored, error) {
	m, v, err := s.Store.GetStored(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Stored{ID: id, Version: v, Model: m}, nil
}

// List reads every stored model, by id.
func (s *Service) List(ctx context.Context) ([]*Stored, error) {
	ids, err := s.Store.ListModels(ctx, MaxStoredModels)
	if err != nil {
		return nil, err
	}
	out := make([]*Stored, 0, len(ids))
	for _, id := range ids {
		st, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// Update applies change to the stored model at version, validates the result
// and stores it; a stale version, an invalid result or a failing change
// leaves the stored model as it was.
func (s *Service) Update(ctx context.Context, id string, version int, change func(m *Model) error) (*Stored, error) {
	m, cur, err := s.Store.GetStored(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur != version {
		return nil, fmt.Errorf("%w: threat model %q is at version %d, not %d; read it again and reapply your change", ErrStale, id, cur, version)
	}
	if err := change(m); err != nil {
		return nil, err
	}
	if err := s.validateForStore(ctx, m); err != nil {
		return nil, err
	}
	v, err := s.Store.ReplaceModel(ctx, id, version, m)
	if err != nil {
		return nil, err
	}
	return &Stored{ID: id, Version: v, Model: m}, nil
}

// Delete removes the stored model at version.
func (s *Service) Delete(ctx context.Context, id string, version int) error {
	return s.Store.DeleteModel(ctx, id, version)
}

// invalid reports a change that cannot be applied.
func invalid(format string, args ...any) error {
	return &ValidationError{[]Problem{{Msg: fmt.Sprintf(format, args...)}}}
}

// AddComponent adds c; its id must be new.
func AddComponent(c Component) func(*Model) error {
	return func(m *Model) error {
		if _, ok := m.Component(c.ID); ok {
			return invalid("component %q exists; update it instead", c.ID)
		}
		m.Components = append(m.Components, c)
		return nil
	}
}

// UpdateComponent replaces the component of c's id.
func UpdateComponent(c Component) func(*Model) error {
	return func(m *Model) error {
		old, ok := m.Component(c.ID)
		if !ok {
			return fmt.Errorf("%w: component %q is not in the model", ErrNotFound, c.ID)
		}
		*old = c
		return nil
	}
}

// DeleteComponent removes a component with the flows touching it and its
// place in control scopes. A control left without scope would silently
// cover every component, so such a change is refused.
func DeleteComponent(id string) func(*Model) error {
	return func(m *Model) error {
		i := -1
		for j := range m.Components {
			if m.Components[j].ID == id {
				i = j
			}
		}
		if i < 0 {
			return fmt.Errorf("%w: component %q is not in the model", ErrNotFound, id)
		}
		m.Components = append(m.Components[:i], m.Components[i+1:]...)
		var flows []Flow
		for _, f := range m.Flows {
			if f.From != id && f.To != id {
				flows = append(flows, f)
			}
		}
		m.Flows = flows
		for k := range m.Controls {
			c := &m.Controls[k]
			if len(c.Scope) == 0 {
				continue
			}
			var scope []string
			for _, s := range c.Scope {
				if s != id {
					scope = append(scope, s)
				}
			}
			if len(scope) == 0 {
				return invalid("control %s is scoped to %q only; delete or rescope the control first", c.ID, id)
			}
			c.Scope = scope
		}
		return nil
	}
}

// PutFlow adds a flow (add true, id must be new) or replaces one.
func PutFlow(f Flow, add bool) func(*Model) error {
	return func(m *Model) error {
		if f.ID == "" {
			f.ID = f.From + "->" + f.To
		}
		for i := range m.Flows {
			if m.Flows[i].ID == f.ID {
				if add {
					return invalid("flow %q exists; update it instead", f.ID)
				}
				m.Flows[i] = f
				return nil
			}
		}
		if !add {
			return fmt.Errorf("%w: flow %q is not in the model", ErrNotFound, f.ID)
		}
		m.Flows = append(m.Flows, f)
		return nil
	}
}

// DeleteFlow removes a flow.
func DeleteFlow(id string) func(*Model) error {
	return func(m *Model) error {
		for i := range m.Flows {
			if m.Flows[i].ID == id {
				m.Flows = append(m.Flows[:i], m.Flows[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("%w: flow %q is not in the model", ErrNotFound, id)
	}
}

// PutControl adds a control (add true, id must be new) or replaces one.
func PutControl(c Control, add bool) func(*Model) error {
	return func(m *Model) error {
		if c.ID == "" {
			c.ID = c.Mitigation
		}
		for i := range m.Controls {
			if m.Controls[i].ID == c.ID {
				if add {
					return invalid("control %q exists; update it instead, or give the new one its own id", c.ID)
				}
				m.Controls[i] = c
				return nil
			}
		}
		if !add {
			return fmt.Errorf("%w: control %q is not in the model", ErrNotFound, c.ID)
		}
		m.Controls = append(m.Controls, c)
		return nil
	}
}

// DeleteControl removes a control.
func DeleteControl(id string) func(*Model) error {
	return func(m *Model) error {
		for i := range m.Controls {
			if m.Controls[i].ID == id {
				m.Controls = append(m.Controls[:i], m.Controls[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("%w: control %q is not in the model", ErrNotFound, id)
	}
}

// PutAcceptedRisk adds (add true) or replaces the acceptance of a technique.
func PutAcceptedRisk(a AcceptedRisk, add bool) func(*Model) error {
	return func(m *Model) error {
		for i := range m.AcceptedRisks {
			if m.AcceptedRisks[i].Technique == a.Technique {
				if add {
					return invalid("technique %s is already accepted; update it instead", a.Technique)
				}
				m.AcceptedRisks[i] = a
				return nil
			}
		}
		if !add {
			return fmt.Errorf("%w: technique %s is not accepted in the model", ErrNotFound, a.Technique)
		}
		m.AcceptedRisks = append(m.AcceptedRisks, a)
		return nil
	}
}

// DeleteAcceptedRisk removes the acceptance of a technique.
func DeleteAcceptedRisk(technique string) func(*Model) error {
	return func(m *Model) error {
		for i := range m.AcceptedRisks {
			if m.AcceptedRisks[i].Technique == technique {
				m.AcceptedRisks = append(m.AcceptedRisks[:i], m.AcceptedRisks[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("%w: technique %s is not accepted in the model", ErrNotFound, technique)
	}
}
