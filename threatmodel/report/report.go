// Package report holds the report on a threat model of an AI system: what
// package threatmodel finds and every face presents (the GraphQL types of
// graph/threatmodel.graphqls bind to these structs; the JSON report is
// their encoding). Plain values, no I/O, no logic: a leaf package the faces
// may import where they must not import threatmodel itself.
package report

// Evidence says why an item is in a report.
type Evidence struct {
	Release   string `json:"release"`
	Rule      string `json:"rule,omitempty"`
	Rationale string `json:"rationale,omitempty"`
	Component string `json:"component,omitempty"`
	CaseStudy string `json:"caseStudy,omitempty"`
	Control   string `json:"control,omitempty"`
	Technique string `json:"technique,omitempty"`
	Source    string `json:"source,omitempty"`
	// Effect is the effect of the mitigation link the item rests on
	// (prevent, detect, respond or unclassified), when it rests on one.
	Effect string `json:"effect,omitempty"`
	// ViaParent names the parent technique whose mitigation link covers
	// this sub-technique, when the release maps the mitigation to the
	// parent only.
	ViaParent string `json:"viaParent,omitempty"`
}

// Report is everything threatmodel.Evaluate finds for a model on one release. Every
// list is in a fixed order (applicable techniques and incidents by rank,
// recommendations in implementation order, the rest by id) and never nil,
// so the same model and release give the same bytes.
type Report struct {
	Model                  ModelSummary          `json:"model"`
	Release                string                `json:"release"`
	AsOf                   string                `json:"asOf"`
	Summary                Summary               `json:"summary"`
	ApplicableTechniques   []ApplicableTechnique `json:"applicableTechniques"`
	Incidents              []Incident            `json:"incidents"`
	Detections             []Detection           `json:"detections"`
	ResidualPaths          []ResidualPath        `json:"residualPaths"`
	PathsTruncated         bool                  `json:"pathsTruncated"`
	RecommendedMitigations []Recommendation      `json:"recommendedMitigations"`
	RecommendationOptimal  bool                  `json:"recommendationOptimal"`
	Unbreakable            []UnbreakableItem     `json:"unbreakable"`
	Exposure               []TacticExposure      `json:"exposure"`
	UncoveredTechniques    []UncoveredTechnique  `json:"uncoveredTechniques"`
	Actors                 []KnownActor          `json:"actors"`
	Controls               []ControlEffect       `json:"controls"`
	AcceptedRisks          []AcceptedRiskStatus  `json:"acceptedRisks"`
	// Warnings name what the report could not judge, such as mitigations
	// or links without a curated effect (they never cut).
	Warnings []string `json:"warnings"`
}

// ModelSummary names the model a report is about.
type ModelSummary struct {
	Name       string `json:"name"`
	Source     string `json:"source,omitempty"`
	Components int    `json:"components"`
	Flows      int    `json:"flows"`
	Controls   int    `json:"controls"`
}

// Summary counts the report's findings.
type Summary struct {
	Applicable int `json:"applicable"`
	Mitigated  int `json:"mitigated"`
	Accepted   int `json:"accepted"`
	Residual   int `json:"residual"`
	// Incidents and IncidentsBroken count exact incidents only.
	Incidents       int `json:"incidents"`
	IncidentsBroken int `json:"incidentsBroken"`
	// NearIncidents counts partial incidents.
	NearIncidents       int `json:"nearIncidents"`
	Detections          int `json:"detections"`
	ResidualPaths       int `json:"residualPaths"`
	UncoveredTechniques int `json:"uncoveredTechniques"`
}

// ApplicableTechnique is a technique some rule makes applicable here.
type ApplicableTechnique struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Tactics []string `json:"tactics"`
	// Status is residual, mitigated or accepted.
	Status string `json:"status"`
	// Components are the ids of the components it applies to.
	Components []string `json:"components"`
	// MitigatedBy lists the implemented controls that cut it somewhere.
	MitigatedBy []string `json:"mitigatedBy"`
	// DetectedBy lists implemented controls that only see it (detect links).
	DetectedBy []string `json:"detectedBy"`
	// ReducedBy lists implemented controls that reduce it without cutting:
	// respond links, mitigations acting on people or on what is published,
	// and any control at a step on the adversary's side.
	ReducedBy []string `json:"reducedBy"`
	// Side is where its steps happen: defender, attacker or either.
	Side    string `json:"side"`
	SideWhy string `json:"sideWhy"`
	// Rank (1 = most urgent), Score and Priority (high, medium, low) order
	// the applicable techniques; Why lists the factors behind the score.
	Rank     int      `json:"rank"`
	Score    float64  `json:"score"`
	Priority string   `json:"priority"`
	Why      []string `json:"why"`
	// Uncontrolled lists the components no implemented control covers it on.
	Uncontrolled []string `json:"uncontrolled"`
	// Pending lists partial or planned controls of mitigations covering it.
	Pending []string `json:"pending"`
	// Mitigations are the release's mitigations of the technique.
	Mitigations []string `json:"mitigations"`
	// Effects are what each mitigation of the technique (direct, or through
	// its parent) does to it.
	Effects  []LinkEffect `json:"effects"`
	Evidence []Evidence   `json:"evidence"`
}

// Incident is a case study of at least two steps whose steps use
// applicable techniques: all of them (Match exact) or at least 60% (Match
// partial).
type Incident struct {
	CaseStudy string `json:"caseStudy"`
	// Rank is the incident's place, 1 first: by coverage, then evidence.
	Rank int `json:"rank"`
	// Match is exact or partial.
	Match           string `json:"match"`
	StepsApplicable int    `json:"stepsApplicable"`
	StepsTotal      int    `json:"stepsTotal"`
	// Missing are the techniques of the steps that do not apply, in step order.
	Missing []string `json:"missing"`
	Name    string   `json:"name"`
	Actors  []string `json:"actors"`
	// Techniques are the step techniques in step order.
	Techniques []string `json:"techniques"`
	// Broken reports whether the implemented controls cut every route (of a
	// partial incident: every route, at its applicable steps).
	Broken bool `json:"broken"`
	// BreaksAt is the earliest step at which the implemented controls break
	// it, with its technique and the controls there; empty when not broken.
	BreaksAt *BreakPoint `json:"breaksAt,omitempty"`
	// CoveredSteps are every step a control cuts.
	CoveredSteps []BreakPoint `json:"coveredSteps"`
	// OpenRoute, when not broken, is one route's techniques no control covers.
	OpenRoute []string `json:"openRoute"`
	// Accepted reports that it is not broken but accepted risks cut it.
	Accepted bool       `json:"accepted"`
	Evidence []Evidence `json:"evidence"`
}

// BreakPoint is a step of a case study a control covers.
type BreakPoint struct {
	Step      string   `json:"step"`
	Technique string   `json:"technique"`
	Controls  []string `json:"controls"`
}

// ResidualPath is an attack path over applicable, unmitigated techniques.
type ResidualPath struct {
	ID         string   `json:"id"`
	Techniques []string `json:"techniques"`
	// Support is the smallest number of case studies behind one of its hops.
	Support     int      `json:"support"`
	CaseStudies []string `json:"caseStudies"`
	// Accepted reports that some technique on it is an accepted risk.
	Accepted bool       `json:"accepted"`
	Evidence []Evidence `json:"evidence"`
}

// Recommendation is one mitigation of the least set breaking what remains,
// in the order to implement them.
type Recommendation struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Effect is what it does at the steps it cuts (prevent, or detect when
	// the model counts detection).
	Effect string `json:"effect"`
	// Adds is what it adds beyond the recommendations before it.
	Adds Adds `json:"adds"`
	// Techniques are the residual techniques it mitigates.
	Techniques []string `json:"techniques"`
	// Incidents and Paths are those it helps break.
	Incidents []string   `json:"incidents"`
	Paths     []string   `json:"paths"`
	Evidence  []Evidence `json:"evidence"`
}

// Adds is what one recommendation adds beyond the ones before it.
type Adds struct {
	IncidentsBroken      []string `json:"incidentsBroken"`
	ResidualPathsRemoved int      `json:"residualPathsRemoved"`
	TechniquesCut        []string `json:"techniquesCut"`
}

// Detection is a step of an incident that an implemented control sees
// (a detect link) without cutting it.
type Detection struct {
	Incident  string   `json:"incident"`
	Step      string   `json:"step"`
	Technique string   `json:"technique"`
	Controls  []string `json:"controls"`
}

// UnbreakableItem is an incident or path no mitigation of the release breaks.
type UnbreakableItem struct {
	ID         string   `json:"id"`
	Techniques []string `json:"techniques"`
}

// TacticExposure counts the techniques of one tactic by status.
type TacticExposure struct {
	Tactic     string `json:"tactic"`
	Name       string `json:"name"`
	Techniques int    `json:"techniques"`
	Applicable int    `json:"applicable"`
	Mitigated  int    `json:"mitigated"`
	Accepted   int    `json:"accepted"`
	Residual   int    `json:"residual"`
}

// UncoveredTechnique is an applicable technique no mitigation of the release covers.
type UncoveredTechnique struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Status   string     `json:"status"`
	Maturity string     `json:"maturity"`
	Evidence []Evidence `json:"evidence"`
}

// KnownActor is an actor known to use applicable techniques.
type KnownActor struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Source is "atlas" (named by ATLAS case studies) or "attack" (an ATT&CK group).
	Source string `json:"source"`
	// Role is "adversary" (an ATT&CK group, or named by an ATLAS incident)
	// or "researcher" (named only by exercises: research and red teams
	// that demonstrated the techniques).
	Role        string     `json:"role"`
	Techniques  []string   `json:"techniques"`
	CaseStudies []string   `json:"caseStudies"`
	Evidence    []Evidence `json:"evidence"`
}

// ControlEffect says what one control does here.
type ControlEffect struct {
	ID         string   `json:"id"`
	Mitigation string   `json:"mitigation"`
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	Scope      []string `json:"scope"`
	// Effect and Acts are its mitigation's default effect and where it
	// acts (each link's own effect is in the techniques' effects).
	Effect string `json:"effect"`
	Acts   string `json:"acts"`
	// Techniques are the applicable techniques its mitigation mitigates on
	// its scope.
	Techniques []string `json:"techniques"`
	// Cuts, Sees and Reduces split Techniques by what the control does to
	// them here (see docs/threatmodel.md, "Breaking means stopping").
	Cuts    []string `json:"cuts"`
	Sees    []string `json:"sees"`
	Reduces []string `json:"reduces"`
	// Breaks are the incidents it takes part in breaking.
	Breaks []string `json:"breaks"`
}

// AcceptedRiskStatus is an accepted risk with whether it still holds.
type AcceptedRiskStatus struct {
	Technique  string `json:"technique"`
	Owner      string `json:"owner"`
	Reason     string `json:"reason"`
	Expires    string `json:"expires"`
	Active     bool   `json:"active"`
	Applicable bool   `json:"applicable"`
}

// UpgradeImpact is what moving a model to another release changes.
type UpgradeImpact struct {
	From string `json:"from"`
	To   string `json:"to"`
	// NowApplicable and NoLongerApplicable are technique ids.
	NowApplicable      []string `json:"nowApplicable"`
	NoLongerApplicable []string `json:"noLongerApplicable"`
	// StatusChanged lists techniques applicable in both whose status differs.
	StatusChanged []StatusChange `json:"statusChanged"`
	// MitigationsChanged are mitigations used by the model's controls or
	// recommended in either release whose technique lists differ.
	MitigationsChanged []MitigationChange `json:"mitigationsChanged"`
	// NewIncidents and GoneIncidents are case-study ids.
	NewIncidents  []string `json:"newIncidents"`
	GoneIncidents []string `json:"goneIncidents"`
	// ControlsInvalid lists controls naming mitigations the new release lacks.
	ControlsInvalid []string `json:"controlsInvalid"`
}

// StatusChange is a technique whose status differs between two releases.
type StatusChange struct {
	Technique string `json:"technique"`
	From      string `json:"from"`
	To        string `json:"to"`
}

// MitigationChange is a mitigation whose techniques differ between releases.
type MitigationChange struct {
	Mitigation string   `json:"mitigation"`
	Added      []string `json:"added"`
	Removed    []string `json:"removed"`
}

// LinkEffect is what one mitigation does to one technique in a release.
type LinkEffect struct {
	Mitigation string `json:"mitigation"`
	Technique  string `json:"technique"`
	Effect     string `json:"effect"`
	Acts       string `json:"acts"`
	Why        string `json:"why"`
	// ViaParent names the parent technique whose link this is, when the
	// release maps the mitigation to the parent and not to the technique.
	ViaParent string `json:"viaParent,omitempty"`
	// OutsidersOnly: an access control, which does not stop admitted users
	// (see threatmodel.MitigationSemantics.OutsidersOnly).
	OutsidersOnly bool `json:"outsidersOnly,omitempty"`
	// OutsidersDownstream: an access control on using a component, which
	// does not stop outsiders who use it through a public component either
	// (see threatmodel.MitigationSemantics.OutsidersDownstream).
	OutsidersDownstream bool `json:"outsidersDownstream,omitempty"`
	// Modalities, when given, limit the link to components of these input
	// modalities.
	Modalities []string `json:"modalities,omitempty"`
}
