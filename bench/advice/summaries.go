package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// writeSummaries prints what an author of an evaluation model may read of
// each case study (-summaries): its id, name, date, type, target, actor and
// summary, never its procedure; only the ids given, when some are.
func writeSummaries(w io.Writer, path string, ids []string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read the ATLAS release: %w", err)
	}
	var raw struct {
		CaseStudies map[string]struct {
			ID          string `yaml:"id"`
			Name        string `yaml:"name"`
			Date        string `yaml:"date"`
			Type        string `yaml:"type"`
			Target      string `yaml:"target"`
			Actor       string `yaml:"actor"`
			Description string `yaml:"description"`
		} `yaml:"case-studies"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil || len(raw.CaseStudies) == 0 {
		return fmt.Errorf("%s: no case studies: is this an ATLAS release of format 6? (%v)", path, err)
	}
	var keys []string
	for k, c := range raw.CaseStudies {
		if c.ID == "" { // the map key is the id too
			c.ID = k
			raw.CaseStudies[k] = c
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(raw.CaseStudies[a].ID, raw.CaseStudies[b].ID) })
	found := 0
	for _, k := range keys {
		c := raw.CaseStudies[k]
		if len(ids) > 0 && !slices.Contains(ids, c.ID) {
			continue
		}
		found++
		fmt.Fprintf(w, "== %s %s\n date: %s  type: %s\n target: %s\n actor: %s\n summary: %s\n\n", c.ID, c.Name, c.Date, c.Type, c.Target, c.Actor, strings.TrimSpace(c.Description))
	}
	if found < len(ids) || found == 0 {
		return fmt.Errorf("%s: %d of the case studies asked for are in the release (%s)", path, found, strings.Join(ids, ", "))
	}
	return nil
}
