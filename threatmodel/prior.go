package threatmodel

import (
	"fmt"
	"math"
	"sync"
)

// How much a case study's match says about this system being like its
// victim (incidents are ranked by it, phase 3). Each step that applies here
// counts by how uncommon its technique is among AI systems: a technique
// that applies to nearly every system (the adversary's reconnaissance, the
// phishing of staff, access to a model's API) says little about which
// victim this system resembles, one that applies only to some kinds of
// system (evasion of a classifier, poisoning through a hub) says much.
// How common a technique is, is judged on reference systems, the templates
// `model init` writes (a RAG chatbot, an agent with tools, a training
// pipeline, a fraud classifier): commonness(t) = (n + ½) / (N + 1) for a
// technique the rules make applicable to n of the N templates, and a step
// adds -ln commonness(t), half that on the adversary's side (such steps
// apply almost everywhere). Each step of the case study that does not apply
// here takes missingStepCost away: a victim this system lacks a part of is
// less like it. A bigger case study made of steps every system shares no
// longer outranks a small one of steps only systems like this have.
const (
	attackerStepShare = 0.5
	missingStepCost   = 2.0
)

// priorCache keeps each rule set's commonness of techniques; the rule set
// and the templates do not change while the process runs.
var priorCache sync.Map // *RuleSet -> map[string]float64

// commonness maps each technique the rules make applicable to some template
// to (n + ½) / (N + 1), n of the N templates; techniques of no template
// have ½ / (N + 1).
func commonness(rs *RuleSet) (map[string]float64, error) {
	if p, ok := priorCache.Load(rs); ok {
		return p.(map[string]float64), nil
	}
	count := map[string]int{}
	for _, name := range Templates {
		data, err := Template(name)
		if err != nil {
			return nil, err
		}
		m, err := Parse(name+".yaml", data, Limits{})
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		for t := range rs.Applicability(m, nil) {
			count[t]++
		}
	}
	p := map[string]float64{}
	for t, n := range count {
		p[t] = (float64(n) + 0.5) / float64(len(Templates)+1)
	}
	priorCache.Store(rs, p)
	return p, nil
}

// commonnessOf is how common t is among the reference systems.
func (e *eval) commonnessOf(t string) float64 {
	if p, ok := e.common[t]; ok {
		return p
	}
	return 0.5 / float64(len(Templates)+1)
}

// stepEvidence is what a step that applies here adds to its case study's
// likeness: -ln of its technique's commonness, attackerStepShare of it for
// a step on the adversary's side.
func stepEvidence(side Side, common float64) float64 {
	w := -math.Log(common)
	if side == SideAttacker {
		w *= attackerStepShare
	}
	return w
}
