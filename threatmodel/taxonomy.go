package threatmodel

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Layer is a layer of the CSA MAESTRO reference architecture for agentic AI
// threat modelling. Each component kind sits in one layer.
type Layer string

// The seven MAESTRO layers.
const (
	LayerFoundationModels Layer = "L1 Foundation Models"
	LayerDataOperations   Layer = "L2 Data Operations"
	LayerAgentFrameworks  Layer = "L3 Agent Frameworks"
	LayerDeployment       Layer = "L4 Deployment and Infrastructure"
	LayerEvaluation       Layer = "L5 Evaluation and Observability"
	LayerSecurity         Layer = "L6 Security and Compliance"
	LayerEcosystem        Layer = "L7 Agent Ecosystem"
)

// Kind is the kind of an AI-system component, from the taxonomy in [Kinds].
type Kind string

// The component kinds. Their ids are what model files write.
const (
	KindHostedModelAPI     Kind = "hosted-model-api"
	KindSelfHostedModel    Kind = "self-hosted-model"
	KindChatUI             Kind = "chat-ui"
	KindRAGRetriever       Kind = "rag-retriever"
	KindVectorStore        Kind = "vector-store"
	KindDocumentIngestion  Kind = "document-ingestion"
	KindAgentOrchestrator  Kind = "agent-orchestrator"
	KindAgentTool          Kind = "agent-tool"
	KindAgentMemory        Kind = "agent-memory"
	KindTrainingDataStore  Kind = "training-data-store"
	KindTrainingPipeline   Kind = "training-pipeline"
	KindModelRegistry      Kind = "model-registry"
	KindThirdPartySource   Kind = "third-party-source"
	KindClassifier         Kind = "predictive-classifier"
	KindMLCICD             Kind = "ml-cicd"
	KindModelEvaluation    Kind = "model-evaluation"
	KindApplicationBackend Kind = "application-backend"
	KindAIApplication      Kind = "ai-application"
	KindExternalParty      Kind = "external-party"
)

// KindInfo documents one component kind.
type KindInfo struct {
	Kind Kind
	// Name is a short human name.
	Name string
	// Layer is the MAESTRO layer the kind sits in.
	Layer Layer
	// CoSAI names the CoSAI Risk Map component(s) the kind corresponds to.
	CoSAI []string
	// Description says what belongs to the kind.
	Description string
}

// kinds is the taxonomy. It is a closed list: a model naming another kind is
// refused, so a rule can rely on the names.
var kinds = []KindInfo{
	{KindHostedModelAPI, "Hosted model API", LayerFoundationModels, []string{"componentTheModel", "componentModelServing"},
		"A generative or predictive model used through a provider's inference API (OpenAI, Anthropic, Bedrock, Vertex ...)."},
	{KindSelfHostedModel, "Self-hosted model serving", LayerDeployment, []string{"componentModelServing", "componentTheModel"},
		"A model you run yourself behind an inference server (vLLM, Triton, TorchServe, Ollama ...)."},
	{KindChatUI, "Chat or user interface", LayerEcosystem, []string{"componentApplication", "componentApplicationInputHandling", "componentApplicationOutputHandling"},
		"The surface people talk to: a chat widget, an assistant in a product, a messaging bot."},
	{KindRAGRetriever, "RAG retriever", LayerDataOperations, []string{"componentRAGContent"},
		"The step that fetches documents or passages and adds them to a model's context."},
	{KindVectorStore, "Vector store", LayerDataOperations, []string{"componentDataStorage", "componentRAGContent"},
		"The index of embeddings a retriever searches (pgvector, Pinecone, Weaviate ...)."},
	{KindDocumentIngestion, "Document ingestion", LayerDataOperations, []string{"componentDataSources", "componentDataFilteringAndProcessing"},
		"The pipeline that collects, parses, chunks and embeds documents into a vector store."},
	{KindAgentOrchestrator, "Agent orchestrator", LayerAgentFrameworks, []string{"componentOrchestrationInputHandling", "componentAgentInputHandling", "componentAgentOutputHandling", "componentAgentSystemInstruction"},
		"The loop that plans, calls the model and invokes tools (LangGraph, an agent SDK, a custom loop)."},
	{KindAgentTool, "Agent tool or MCP server", LayerEcosystem, []string{"componentTools"},
		"A tool, plugin or MCP server an agent can invoke: search, e-mail, code execution, databases, SaaS APIs."},
	{KindAgentMemory, "Agent memory", LayerAgentFrameworks, []string{"componentMemory"},
		"What an agent remembers between turns or sessions: conversation threads, long-term memory stores."},
	{KindTrainingDataStore, "Training data store", LayerDataOperations, []string{"componentTrainingData", "componentDataStorage"},
		"The datasets a model is trained, fine-tuned or evaluated on."},
	{KindTrainingPipeline, "Training or fine-tuning pipeline", LayerFoundationModels, []string{"componentModelTrainingTuning", "componentModelFrameworksAndCode"},
		"The jobs and workspaces that train or fine-tune models: training code, notebooks, data scientists' workstations, compute clusters (Ray, Kubeflow, Slurm)."},
	{KindModelRegistry, "Model registry or artifact store", LayerDeployment, []string{"componentModelStorage"},
		"Where model weights and other AI artifacts are stored and versioned (MLflow, a bucket, a container registry)."},
	{KindThirdPartySource, "Third-party model or dataset source", LayerEcosystem, []string{"componentDataSources", "componentModelFrameworksAndCode"},
		"A public hub or vendor you take models, datasets or agent tools from (Hugging Face, PyPI, an MCP registry)."},
	{KindClassifier, "Predictive classifier", LayerFoundationModels, []string{"componentTheModel"},
		"A predictive model making decisions on inputs: fraud scoring, malware or spam detection, image recognition."},
	{KindMLCICD, "ML CI/CD", LayerDeployment, []string{"componentModelFrameworksAndCode"},
		"The build and deployment pipeline that packages, tests and ships models and AI applications, with the source repositories and package installs it builds from."},
	{KindModelEvaluation, "Model evaluation and monitoring", LayerEvaluation, []string{"componentModelEvaluation"},
		"Evaluation, red-teaming and production monitoring of model behaviour."},
	{KindApplicationBackend, "Application backend", LayerEcosystem, []string{"componentApplication"},
		"The service around the model: the API that receives requests, calls the model and acts on its answers; also a service of yours it sits among (a database, a mail gateway, a security product's data plane)."},
	{KindAIApplication, "AI application (not chat)", LayerEcosystem, []string{"componentApplication", "componentApplicationInputHandling", "componentApplicationOutputHandling"},
		"An application that uses a model without a conversation: document processing, search, summaries, triage, code review; also a web or mobile app or form in front of a model that is not a chat."},
	{KindExternalParty, "External party", LayerEcosystem, []string{"componentDataSources"},
		"Someone outside the organisation who sends or receives data: customers, partners, the public web, a vendor's service. It is internet-facing and its content untrusted by definition."},
}

// Kinds returns the taxonomy, sorted by kind id.
func Kinds() []KindInfo {
	out := slices.Clone(kinds)
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// KindOf returns the documentation of a kind and whether it exists.
func KindOf(k Kind) (KindInfo, bool) {
	for _, ki := range kinds {
		if ki.Kind == k {
			return ki, true
		}
	}
	return KindInfo{}, false
}

// PropertyType is the type of a component property's value.
type PropertyType string

// Property value types.
const (
	TypeBool   PropertyType = "bool"
	TypeString PropertyType = "string"
)

// PropertyInfo documents one component property.
type PropertyInfo struct {
	Name string
	Type PropertyType
	// Values lists the allowed values of a string property; empty means any.
	Values      []string
	Description string
}

// properties is the closed list of component properties. A boolean
// property not given is false; a string property not given is "".
var properties = []PropertyInfo{
	{"internetFacing", TypeBool, nil, "Reachable from the internet, by anyone or by any customer."},
	{"acceptsUntrustedContent", TypeBool, nil, "Processes content that outsiders wrote: user prompts, uploaded files, web pages, e-mails, tickets."},
	{"returnsConfidenceScores", TypeBool, nil, "Returns scores, probabilities or logits with its answers."},
	{"toolsWithWriteAccess", TypeBool, nil, "Can change state outside itself: send messages, write files or records, make payments, run commands."},
	{"executesCode", TypeBool, nil, "Runs code or shell commands, generated or supplied."},
	{"finetunesOnUserData", TypeBool, nil, "Trains or fine-tunes on data users supply or that users' interactions produce."},
	{"learnsOnline", TypeBool, nil, "Updates its model continuously from production traffic or feedback."},
	{"publicWeights", TypeBool, nil, "Its model weights or architecture are public (an open-weights model or a published one)."},
	{"handlesSensitiveData", TypeBool, nil, "Holds or sees personal, confidential or regulated data."},
	{"rendersMarkdown", TypeBool, nil, "Renders model output as Markdown or HTML (links, images) for the user."},
	{"storesCredentials", TypeBool, nil, "Holds API keys, tokens or passwords in its configuration or environment."},
	{"physicalInput", TypeBool, nil, "Takes its input from sensors in the physical world (cameras, microphones)."},
	{"thirdParty", TypeBool, nil, "Operated or supplied by a third party you do not control."},
	{"persistsAcrossSessions", TypeBool, nil, "Keeps what it learns or stores from one session or user to the next."},
	{"autonomous", TypeBool, nil, "Acts without a human approving each action."},
	{"readsExternalContent", TypeBool, nil, "Fetches content from outside the system on its own: the web, e-mail, shared drives, repositories."},
	{"hasSystemPrompt", TypeBool, nil, "Runs with a system prompt or instructions the operator wants to keep private."},
	{"automatedDecisions", TypeBool, nil, "Its outputs trigger decisions without review (approve, block, pay, ban)."},
	{"metered", TypeBool, nil, "Billed per use (tokens, queries, compute), so every use costs its owner money."},
	{"unauthenticated", TypeBool, nil, "Usable without an account or a key: anyone who reaches it may use it."},
	{"clientSideModel", TypeBool, nil, "Its model runs on users' devices (a mobile app, a browser, an edge device), so the weights ship with it."},
	{"modality", TypeString, []string{"text", "image", "audio", "video", "tabular", "multimodal"}, "The kind of data the model takes in: text also for code, domain names and URLs; tabular for feature vectors (network flows, file features, transactions)."},
	{"provider", TypeString, nil, "The vendor or project behind the component (free text, for the report)."},
}

// Properties returns the property catalogue, sorted by name.
func Properties() []PropertyInfo {
	out := slices.Clone(properties)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PropertyOf returns the documentation of a property and whether it exists.
func PropertyOf(name string) (PropertyInfo, bool) {
	for _, p := range properties {
		if p.Name == name {
			return p, true
		}
	}
	return PropertyInfo{}, false
}

// UnknownProperty is the message for a property name the taxonomy does not
// have: "unknown property", the nearest property when the name looks like a misspelling of one
// (a different case, a letter or two off, or a part of it such as
// "authenticated" for "unauthenticated"), then the list of properties, so a
// writer needs no other page to fix the name.
func UnknownProperty(name string) string {
	names := make([]string, 0, len(properties))
	for _, p := range Properties() {
		names = append(names, p.Name)
	}
	return "unknown property " + strconv.Quote(name) + didYouMean(name, names) + "; the properties are: " + strings.Join(names, ", ")
}

// kindWords maps words people use for a part of an AI system to the kinds
// that cover it, for the hint on an unknown kind ("llm" is no slip of any
// kind's name).
var kindWords = map[string][]Kind{
	"llm": {KindHostedModelAPI, KindSelfHostedModel}, "model": {KindHostedModelAPI, KindSelfHostedModel, KindClassifier},
	"classifier": {KindClassifier}, "detector": {KindClassifier},
	"webapp": {KindAIApplication, KindApplicationBackend, KindChatUI}, "website": {KindAIApplication, KindApplicationBackend, KindChatUI},
	"app": {KindAIApplication, KindApplicationBackend, KindChatUI}, "frontend": {KindChatUI, KindAIApplication}, "ui": {KindChatUI, KindAIApplication},
	"chatbot": {KindChatUI}, "chat": {KindChatUI}, "api": {KindApplicationBackend, KindHostedModelAPI}, "backend": {KindApplicationBackend},
	"server": {KindApplicationBackend}, "service": {KindApplicationBackend}, "gateway": {KindApplicationBackend},
	"database": {KindApplicationBackend, KindTrainingDataStore}, "db": {KindApplicationBackend, KindTrainingDataStore},
	"rag": {KindRAGRetriever}, "retriever": {KindRAGRetriever}, "vectordb": {KindVectorStore}, "index": {KindVectorStore},
	"agent": {KindAgentOrchestrator}, "tool": {KindAgentTool}, "plugin": {KindAgentTool}, "mcp": {KindAgentTool}, "memory": {KindAgentMemory},
	"dataset": {KindTrainingDataStore}, "data": {KindTrainingDataStore}, "training": {KindTrainingPipeline}, "pipeline": {KindTrainingPipeline, KindMLCICD},
	"registry": {KindModelRegistry}, "hub": {KindThirdPartySource}, "huggingface": {KindThirdPartySource}, "package": {KindThirdPartySource},
	"ci": {KindMLCICD}, "cicd": {KindMLCICD}, "repository": {KindMLCICD, KindThirdPartySource}, "repo": {KindMLCICD, KindThirdPartySource},
	"monitoring": {KindModelEvaluation}, "evaluation": {KindModelEvaluation},
	"user": {KindExternalParty}, "users": {KindExternalParty}, "customer": {KindExternalParty}, "attacker": {KindExternalParty}, "internet": {KindExternalParty},
}

// KindHint is the nearest kind to an unknown kind name, as " (did you mean
// X?)", or the kinds that cover a common word for a part ("llm": " (did you
// mean hosted-model-api or self-hosted-model?)"), or "" when none is near.
func KindHint(name string) string {
	word := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.ToLower(name))
	word = strings.TrimSuffix(strings.TrimSuffix(word, "s"), "component")
	if ks := kindWords[word]; len(ks) > 0 {
		names := make([]string, len(ks))
		for i, k := range ks {
			names[i] = string(k)
		}
		return " (did you mean " + strings.Join(names, " or ") + "?)"
	}
	ks := make([]string, 0, len(kinds))
	for _, k := range Kinds() {
		ks = append(ks, string(k.Kind))
	}
	return didYouMean(name, ks)
}

// didYouMean returns " (did you mean X?)" for the candidate nearest to name,
// or "" when none is near enough to be a likely slip.
func didYouMean(name string, candidates []string) string {
	if len(name) > 64 {
		return "" // no name of ours is that long; and the distance costs len(name) rows
	}
	low := strings.ToLower(name)
	// A letter or two off; one for short names, where two would make any
	// short key look like another ("x" is not a slip for "id").
	best, bestD := "", 3
	if len(low) <= 4 {
		bestD = 2
	}
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == low {
			return " (did you mean " + c + "?)"
		}
		// A part of a name ("authenticated", "confidence") points at it
		// when it is long enough not to match by chance.
		if len(low) >= 6 && (strings.Contains(lc, low) || strings.Contains(low, lc)) {
			if best == "" || bestD > 0 {
				best, bestD = c, 0
			}
			continue
		}
		if d := editDistance(low, lc); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// editDistance is the optimal-string-alignment distance of a and b: the
// insertions, deletions, substitutions and swaps of two neighbours ("form"
// for "from") that make one the other (bytes: names are ASCII).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// curated is the embedded curated semantics, loaded once for the hints of
// [mitigationHint].
var curated = sync.OnceValue(func() *Semantics {
	s, err := DefaultSemantics()
	if err != nil {
		return nil // the semantics' own tests fail loudly; a hint is not worth a panic
	}
	return s
})

// mitigationHint turns a mitigation written by its name or by what it does
// ("Generative AI Guardrails", "input filtering") into the ids to write, as
// "; write its id: AML.M0020 (Generative AI Guardrails)", from the curated
// names and terms of every mitigation. "" when nothing matches, or too much.
func mitigationHint(text string) string {
	s := curated()
	if s == nil || strings.TrimSpace(text) == "" {
		return ""
	}
	name := func(id string) string { return id + " (" + s.Mitigations[id].Name + ")" }
	for _, id := range sortedKeys(s.Mitigations) {
		if strings.EqualFold(strings.TrimSpace(text), s.Mitigations[id].Name) {
			return "; write its id: " + name(id)
		}
	}
	ids := s.FindMitigations(text)
	if len(ids) == 0 || len(ids) > 3 {
		return "; find the id with atlasgraph search (its name or what it does)"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = name(id)
	}
	return "; write the id of the one you mean: " + strings.Join(parts, ", ")
}

// valueWords maps words for a modality to the value that covers it, for the
// hint on an unknown value ("code" is text).
var valueWords = map[string]map[string]string{
	"modality": {
		"code": "text", "url": "text", "urls": "text", "domain": "text", "domains": "text", "dns": "text", "email": "text", "html": "text", "json": "text", "prompt": "text", "speech": "audio", "voice": "audio",
		"photo": "image", "photos": "image", "face": "image", "faces": "image", "camera": "video", "features": "tabular", "network": "tabular", "traffic": "tabular", "flows": "tabular", "logs": "tabular", "transactions": "tabular", "executable": "tabular", "binary": "tabular",
	},
}

// valueHint is " (code counts as text)" for a word valueWords knows, or the
// nearest value of the property, or "".
func valueHint(property, value string) string {
	if v, ok := valueWords[property][strings.ToLower(strings.TrimSpace(value))]; ok {
		return " (" + value + " counts as " + v + ")"
	}
	p, ok := PropertyOf(property)
	if !ok {
		return ""
	}
	return didYouMean(value, p.Values)
}
