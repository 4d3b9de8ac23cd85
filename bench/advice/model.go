package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

var (
	caseStudyFile    = regexp.MustCompile(`^cs(\d{4})-`)
	caseStudyComment = regexp.MustCompile(`(?m)^#.*\b(AML\.CS\d{4})\b`)
)

// caseStudyOf returns the case study a model file is of, from its name
// (cs0016-... is AML.CS0016) or else from the first case-study id in a
// comment of src.
func caseStudyOf(path string, src []byte) (string, error) {
	if m := caseStudyFile.FindStringSubmatch(filepath.Base(path)); m != nil {
		return "AML.CS" + m[1], nil
	}
	if m := caseStudyComment.FindSubmatch(src); m != nil {
		return string(m[1]), nil
	}
	return "", fmt.Errorf("%s: name the case study: start the file name with its number (cs0016-name.yaml for AML.CS0016) or write its id in a comment", path)
}

// facts are what the judge's conditional labels look at in a model: the
// modalities and the boolean properties true on some component.
type facts struct {
	modalities map[string]bool
	properties map[string]bool
}

// modelFacts reads the facts of a model file.
func modelFacts(src []byte) (facts, error) {
	var m struct {
		Components []struct {
			Properties map[string]any `yaml:"properties"`
		} `yaml:"components"`
	}
	f := facts{modalities: map[string]bool{}, properties: map[string]bool{}}
	if err := yaml.Unmarshal(src, &m); err != nil {
		return f, fmt.Errorf("read the model: %w", err)
	}
	for _, c := range m.Components {
		for k, v := range c.Properties {
			switch v := v.(type) {
			case bool:
				f.properties[k] = f.properties[k] || v
			case string:
				if k == "modality" {
					f.modalities[v] = true
				}
			}
		}
	}
	return f, nil
}

// withImplemented returns the model with every mitigation of ms implemented
// on the whole system: a control already naming it becomes implemented with
// no scope, the others are added.
func withImplemented(src []byte, ms []string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("read the model: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the model is not a YAML mapping")
	}
	root := doc.Content[0]
	var controls *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "controls" {
			controls = root.Content[i+1]
		}
	}
	if controls == nil {
		controls = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		root.Content = append(root.Content, scalar("controls"), controls)
	}
	if controls.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("the model's controls are not a list")
	}
	controls.Style = 0
	want := map[string]bool{}
	for _, m := range ms {
		want[m] = true
	}
	done := map[string]bool{}
	for _, c := range controls.Content {
		if c.Kind != yaml.MappingNode {
			continue
		}
		c.Style = 0
		var mit string
		for i := 0; i+1 < len(c.Content); i += 2 {
			if c.Content[i].Value == "mitigation" {
				mit = c.Content[i+1].Value
			}
		}
		if !want[mit] {
			continue
		}
		done[mit] = true
		kept := c.Content[:0]
		hasStatus := false
		for i := 0; i+1 < len(c.Content); i += 2 {
			switch c.Content[i].Value {
			case "scope":
				continue
			case "status":
				c.Content[i+1] = scalar("implemented")
				hasStatus = true
			}
			kept = append(kept, c.Content[i], c.Content[i+1])
		}
		c.Content = kept
		if !hasStatus {
			c.Content = append(c.Content, scalar("status"), scalar("implemented"))
		}
	}
	for _, m := range ms {
		if done[m] {
			continue
		}
		done[m] = true
		controls.Content = append(controls.Content, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
			scalar("mitigation"), scalar(m),
			scalar("status"), scalar("implemented"),
			scalar("note"), scalar("Recommended by the report; implemented on the whole system by bench/advice."),
		}})
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("write the model: %w", err)
	}
	return []byte(b.String()), nil
}

func scalar(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}
