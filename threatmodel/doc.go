// Package threatmodel turns a description of one AI system (its components,
// data flows, controls in place and accepted risks) into the MITRE ATLAS
// techniques that apply to it, the case studies that could happen on it, the
// attack paths its controls leave open and the cheapest mitigations that
// close them.
//
// The flow is one way: a model file is parsed into input types that keep
// every value's line and column ([Parse]), checked and converted into a
// [Model] (every problem reported with its place), checked against an ATLAS
// release ([Model.CheckRelease]), and evaluated with the applicability
// [RuleSet] against that release ([Evaluate]). Rules are declarative YAML
// embedded from rules/*.yaml, one file per concern. The package does no I/O
// beyond reading its embedded files, and knows nothing of Neo4j or GraphQL;
// the analyses come from package analysis.
package threatmodel
