package model

import "github.com/atlasgraph/atlasgraph/app"

// ThreatModel is a stored threat model as the API shows it; the report
// fields are resolved from Domain, the model itself.
type ThreatModel struct {
	ID            string
	Version       int
	Name          string
	Description   string
	AtlasRelease  *string
	Components    []TMComponent
	Flows         []TMFlow
	Controls      []TMControl
	AcceptedRisks []TMAcceptedRisk
	Preferences   TMPreferences
	Domain        *app.ThreatModel
}
