// Package analysis computes on MITRE ATLAS knowledge held in plain Go values:
// which mitigations break a case study's attack chain, the cheapest set of
// mitigations that breaks many chains, evidence-ranked attack paths over
// observed technique transitions, choke points and coverage gaps.
//
// The package does no I/O and knows nothing of Neo4j or GraphQL: another layer
// fetches chains, mitigation links and transitions (one or two queries) and
// hands them over as [Chain], [Knowledge] and [Transition] values. Every
// function is deterministic: equal inputs give equal outputs, whatever the
// order of map iteration, and ties are broken by id.
//
// # Definitions
//
// A chain is a case study's steps. Its sources are the steps no other step
// leads to (no incoming LEADS_TO link); its sinks are the steps whose Next is
// empty. A chain may branch and join, but it must be a directed acyclic graph
// whose Next links all name steps of the same chain: a cycle or a dangling Next
// id is reported as an error ([ErrCycle], [ErrDanglingStep]), never followed.
//
// A route is one path from a source to a sink along Next links. The step order
// used in every report is the topological order of the chain in which, among
// the steps that are ready, the one with the smallest id comes first.
//
// A mitigation covers a step when it mitigates the step's technique, or, with
// [Options.InheritFromParent], when it mitigates a parent (or grandparent, and
// so on, following [Knowledge.Parents]) of that technique.
//
// A set of mitigations breaks a chain when every route contains at least one
// step that some member of the set covers. A chain is breakable when the set
// of all mitigations in scope breaks it, that is, when no route consists only
// of uncovered steps. For a single mitigation, the step at which it breaks a
// chain is the first step s in step order such that the mitigation's hits at
// or before s already cut every route; for a linear chain it is the first step
// the mitigation hits.
//
// The minimum-cost search ([MinimalMitigationSet]) reduces each chain to the
// sets of mitigations covering some step of each route, keeps the
// inclusion-minimal ones, and solves the resulting weighted hitting-set
// problem exactly by branch and bound within a node budget.
package analysis
