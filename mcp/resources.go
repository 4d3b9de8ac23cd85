package mcp

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/atlasgraph/atlasgraph/app"
)

// Resources: the releases, every object of a release by URI (resource
// templates), the threat-model templates and the stored threat models
// (read-only). Objects read as app.Show's answer; lists as JSON.

const (
	uriReleases    = "atlas://releases"
	uriTemplates   = "atlas://templates"
	uriModels      = "atlas://threat-models"
	uriReleasePfx  = "atlas://release/"
	uriTemplatePfx = "atlas://templates/"
	uriModelPfx    = "atlas://threat-models/"
	mimeJSON       = "application/json"
	mimeYAML       = "application/yaml"
)

// objectKinds are the path segments of object URIs.
var objectKinds = []struct{ segment, what string }{
	{"tactic", "an ATLAS tactic, e.g. AML.TA0002"},
	{"technique", "an ATLAS technique or sub-technique, e.g. AML.T0051"},
	{"mitigation", "an ATLAS mitigation, e.g. AML.M0015"},
	{"case-study", "an ATLAS case study with its procedure, e.g. AML.CS0000"},
	{"actor", "an actor by id, name or any alias (ATLAS case-study actors and ATT&CK groups)"},
}

func (f *face) addResources(srv *sdk.Server) {
	srv.AddResource(&sdk.Resource{URI: uriReleases, Name: "releases", Title: "Loaded ATLAS releases", MIMEType: mimeJSON,
		Description: "The complete ATLAS releases loaded, newest first, each with its version, sha256, counts and whether it is current."}, f.readReleases)
	srv.AddResource(&sdk.Resource{URI: uriTemplates, Name: "threat-model-templates", Title: "Threat-model templates", MIMEType: mimeJSON,
		Description: "The names of the threat-model templates; read atlas://templates/{name} for one, edit it, and pass it to evaluate_threat_model."}, f.readTemplateList)
	for _, name := range app.ModelTemplates {
		srv.AddResource(&sdk.Resource{URI: uriTemplatePfx + name, Name: "template-" + name, Title: "Threat-model template: " + name, MIMEType: mimeYAML,
			Description: "A threat model of a typical " + name + " to start from (YAML)."}, f.readTemplate)
	}
	srv.AddResourceTemplate(&sdk.ResourceTemplate{URITemplate: uriTemplatePfx + "{name}", Name: "threat-model-template", MIMEType: mimeYAML,
		Description: "A threat-model template by name: " + strings.Join(app.ModelTemplates, ", ") + "."}, f.readTemplate)
	for _, k := range objectKinds {
		srv.AddResourceTemplate(&sdk.ResourceTemplate{URITemplate: uriReleasePfx + "{version}/" + k.segment + "/{id}", Name: k.segment,
			MIMEType: mimeJSON, Description: k.what + ", with its facts and links, in a release ({version} may be 'current')."}, f.readObject)
	}
	if f.svc.ModelsEnabled() {
		srv.AddResource(&sdk.Resource{URI: uriModels, Name: "threat-models", Title: "Stored threat models", MIMEType: mimeJSON,
			Description: "The threat models kept by id on this server (read-only here)."}, f.readModelList)
		srv.AddResourceTemplate(&sdk.ResourceTemplate{URITemplate: uriModelPfx + "{id}", Name: "threat-model", MIMEType: mimeJSON,
			Description: "A stored threat model by id, with its version (read-only)."}, f.readModel)
	}
}

// jsonResource is a resource answer of one JSON text.
func jsonResource(uri string, v any) (*sdk.ReadResourceResult, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, resourceError(uri, app.Errorf(app.Internal, "the answer could not be encoded"))
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: uri, MIMEType: mimeJSON, Text: string(data)}}}, nil
}

// resourceError presents an error of a resource read: NOT_FOUND as MCP's
// "resource not found", the others as a JSON-RPC error whose message is the
// tool error's text (the same fixed sentences hide causes).
func resourceError(uri string, err error) error {
	if app.ErrorCode(err) == app.NotFound {
		return sdk.ResourceNotFoundError(uri)
	}
	e := presentError(err)
	data, _ := json.Marshal(e)
	code := int64(jsonrpc.CodeInternalError)
	if e.Code == string(app.BadInput) {
		code = jsonrpc.CodeInvalidParams
	}
	return &jsonrpc.Error{Code: code, Message: e.Code + ": " + e.Message, Data: data}
}

func (f *face) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, f.opt.Timeout)
}

func (f *face) readReleases(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	ctx, cancel := f.bounded(ctx)
	defer cancel()
	rels, err := f.svc.CompleteReleases(ctx)
	if err != nil {
		return nil, resourceError(req.Params.URI, err)
	}
	return jsonResource(req.Params.URI, map[string]any{"releases": rels})
}

func (f *face) readTemplateList(_ context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	list := make([]map[string]string, 0, len(app.ModelTemplates))
	for _, n := range app.ModelTemplates {
		list = append(list, map[string]string{"name": n, "uri": uriTemplatePfx + n})
	}
	return jsonResource(req.Params.URI, map[string]any{"templates": list})
}

func (f *face) readTemplate(_ context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	uri := req.Params.URI
	name, _ := url.PathUnescape(strings.TrimPrefix(uri, uriTemplatePfx))
	data, err := app.ModelTemplate(name)
	if err != nil {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: uri, MIMEType: mimeYAML, Text: string(data)}}}, nil
}

// objectOut is an object resource: the object with its release.
type objectOut struct {
	Release ReleaseRef  `json:"release"`
	Object  *app.Object `json:"object"`
}

func (f *face) readObject(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	ctx, cancel := f.bounded(ctx)
	defer cancel()
	uri := req.Params.URI
	parts := strings.Split(strings.TrimPrefix(uri, uriReleasePfx), "/")
	if !strings.HasPrefix(uri, uriReleasePfx) || len(parts) != 3 {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	version, _ := url.PathUnescape(parts[0])
	id, _ := url.PathUnescape(parts[2])
	if version == "current" {
		version = ""
	}
	want := ""
	switch parts[1] {
	case "tactic":
		want = app.KindTactic
	case "technique":
		want = app.KindTechnique
	case "mitigation":
		want = app.KindMitigation
	case "case-study":
		want = app.KindCaseStudy
	case "actor":
		want = app.KindActor
	default:
		return nil, sdk.ResourceNotFoundError(uri)
	}
	obj, err := f.svc.Show(ctx, version, id)
	if err != nil {
		return nil, resourceError(uri, err)
	}
	if obj.Kind != want {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	ref, err := f.releaseRef(ctx, obj.Release)
	if err != nil {
		return nil, resourceError(uri, err)
	}
	return jsonResource(uri, objectOut{Release: ref, Object: obj})
}

// storedModel is a stored threat model as a resource shows it.
type storedModel struct {
	ID      string           `json:"id"`
	Version int              `json:"version"`
	Name    string           `json:"name"`
	Model   *app.ThreatModel `json:"model,omitempty"`
}

func (f *face) readModelList(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	ctx, cancel := f.bounded(ctx)
	defer cancel()
	list, err := f.svc.ListModels(ctx)
	if err != nil {
		return nil, resourceError(req.Params.URI, err)
	}
	out := make([]storedModel, 0, len(list))
	for _, m := range list {
		out = append(out, storedModel{ID: m.ID, Version: m.Version, Name: m.Model.Name})
	}
	return jsonResource(req.Params.URI, map[string]any{"threatModels": out})
}

func (f *face) readModel(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	ctx, cancel := f.bounded(ctx)
	defer cancel()
	uri := req.Params.URI
	id, _ := url.PathUnescape(strings.TrimPrefix(uri, uriModelPfx))
	m, err := f.svc.GetModel(ctx, id)
	if err != nil {
		return nil, resourceError(uri, err)
	}
	return jsonResource(uri, storedModel{ID: m.ID, Version: m.Version, Name: m.Model.Name, Model: m.Model})
}
