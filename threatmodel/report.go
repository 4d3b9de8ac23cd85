package threatmodel

import (
	"context"

	"github.com/atlasgraph/atlasgraph/threatmodel/report"
)

// Technique statuses in a report.
const (
	// StatusResidual: applicable, not mitigated everywhere it applies, not accepted.
	StatusResidual = "residual"
	// StatusMitigated: every component it applies to is covered by an
	// implemented control of a mitigation that mitigates it.
	StatusMitigated = "mitigated"
	// StatusAccepted: not mitigated, but accepted by a risk that has not expired.
	StatusAccepted = "accepted"
)

// Entry and goal tactics of residual attack paths: where an adversary first
// touches the system, and what they are after. Ids are stable across
// releases; names are not.
var (
	EntryTactics = []string{"AML.TA0004", "AML.TA0000"}
	GoalTactics  = []string{"AML.TA0011", "AML.TA0010"}
)

// Options tune [Evaluate].
type Options struct {
	// AsOf is the civil date (YYYY-MM-DD) accepted risks are judged on. It is
	// an input, not the clock, so that a report is reproducible.
	AsOf string
	// MaxPathHops and PathLimit bound the residual attack paths (defaults 6
	// and 20).
	MaxPathHops, PathLimit int
	// ExternalActors are actors known from outside ATLAS (ATT&CK groups,
	// from an [ActorSource]) to merge into the report's actors.
	ExternalActors []KnownActor
}

// ActorSource finds actors outside ATLAS (ATT&CK groups) that use ATLAS
// techniques, through the ATT&CK techniques the ATLAS ones adapt. The ATT&CK
// store implements it; when none is configured, reports list ATLAS
// case-study actors only.
type ActorSource interface {
	ActorsUsing(ctx context.Context, release string, techniques []string) ([]KnownActor, error)
}

// The report's types live in package report (a leaf the faces may import);
// these names keep the evaluation's code reading as it did.
type (
	Evidence            = report.Evidence
	Report              = report.Report
	ModelSummary        = report.ModelSummary
	Summary             = report.Summary
	ApplicableTechnique = report.ApplicableTechnique
	Incident            = report.Incident
	BreakPoint          = report.BreakPoint
	ResidualPath        = report.ResidualPath
	Recommendation      = report.Recommendation
	Adds                = report.Adds
	Detection           = report.Detection
	UnbreakableItem     = report.UnbreakableItem
	TacticExposure      = report.TacticExposure
	UncoveredTechnique  = report.UncoveredTechnique
	KnownActor          = report.KnownActor
	ControlEffect       = report.ControlEffect
	AcceptedRiskStatus  = report.AcceptedRiskStatus
	UpgradeImpact       = report.UpgradeImpact
	StatusChange        = report.StatusChange
	MitigationChange    = report.MitigationChange
	LinkEffect          = report.LinkEffect
)
