package view

import "time"

// AttackVersion describes one loaded ATT&CK Enterprise release.
type AttackVersion struct {
	Version                  string
	SHA256                   string
	Source                   string
	Current                  bool
	LoadedAt                 time.Time
	Groups, Techniques, Uses int
	// RevokedObjects, DeprecatedObjects and RelationshipsLeftOut count what the load left out.
	RevokedObjects, DeprecatedObjects, RelationshipsLeftOut int
}

// AttackTechnique is a MITRE ATT&CK Enterprise technique of one loaded
// ATT&CK version, as the faces show it.
type AttackTechnique struct {
	ID          string // "T1566" or "T1566.001"
	STIXID      string
	Name        string
	Description string
	URL         string
	// Parent is the ATT&CK id of the parent technique of a sub-technique, ""
	// for a technique.
	Parent string
	// Tactics are the ATT&CK tactic shortnames (kill-chain phases), sorted.
	Tactics []string
	// AttackVersion is the ATT&CK version the technique was read from.
	AttackVersion string
}
