package threatmodel

import (
	"slices"
	"sort"
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
		"The jobs and workspaces that train or fine-tune models."},
	{KindModelRegistry, "Model registry or artifact store", LayerDeployment, []string{"componentModelStorage"},
		"Where model weights and other AI artifacts are stored and versioned (MLflow, a bucket, a container registry)."},
	{KindThirdPartySource, "Third-party model or dataset source", LayerEcosystem, []string{"componentDataSources", "componentModelFrameworksAndCode"},
		"A public hub or vendor you take models, datasets or agent tools from (Hugging Face, PyPI, an MCP registry)."},
	{KindClassifier, "Predictive classifier", LayerFoundationModels, []string{"componentTheModel"},
		"A predictive model making decisions on inputs: fraud scoring, malware or spam detection, image recognition."},
	{KindMLCICD, "ML CI/CD", LayerDeployment, []string{"componentModelFrameworksAndCode"},
		"The build and deployment pipeline that packages, tests and ships models and AI applications."},
	{KindModelEvaluation, "Model evaluation and monitoring", LayerEvaluation, []string{"componentModelEvaluation"},
		"Evaluation, red-teaming and production monitoring of model behaviour."},
	{KindApplicationBackend, "Application backend", LayerEcosystem, []string{"componentApplication"},
		"The service around the model: the API that receives requests, calls the model and acts on its answers."},
	{KindAIApplication, "AI application (not chat)", LayerEcosystem, []string{"componentApplication", "componentApplicationInputHandling", "componentApplicationOutputHandling"},
		"An application that uses a model without a conversation: document processing, search, summaries, triage, code review."},
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
	{"modality", TypeString, []string{"text", "image", "audio", "video", "tabular", "multimodal"}, "The kind of data the model takes in."},
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
