package graph

import (
	"github.com/atlasgraph/atlasgraph/graph/model"
	"github.com/atlasgraph/atlasgraph/mapping"
)

func mappingRows(in []model.MappingRowInput) []mapping.Row {
	out := make([]mapping.Row, len(in))
	for i, r := range in {
		out[i] = mapping.Row{ID: r.ID, File: "request"}
		if r.Name != nil {
			out[i].Name = *r.Name
		}
		if r.Release != nil {
			out[i].Release = *r.Release
		}
		if r.Line != nil {
			out[i].Line = *r.Line
		}
	}
	return out
}
