// Package mapping checks the ATLAS ids teams keep in spreadsheets and code
// (controls, detections or findings mapped to ATLAS ids with names) against
// every loaded release: ids that exist nowhere, names that do not match the
// id, retired ids, ids renamed since the mapping was written, and ids that
// meant another technique in an earlier release.
//
// Read parses rows from CSV, JSON or YAML with the line of each row; Check
// compares them with the releases' names (plain values, no I/O); the
// report is written as text, JSON or SARIF 2.1.0.
package mapping

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/atlasgraph/atlasgraph/yamlpos"
	"go.yaml.in/yaml/v3"
)

// Row is one mapping entry: an ATLAS id and the name it was written with,
// optionally the release it was written against, and where it is.
type Row struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Release string `json:"release,omitempty"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

// MaxRows bounds one file, so a huge upload cannot exhaust memory.
const MaxRows = 100_000

// Column names accepted for each field, compared case-insensitively with
// spaces, '-' and '_' ignored.
var (
	idColumns      = []string{"id", "atlasid", "techniqueid", "atlastechniqueid", "atlas"}
	nameColumns    = []string{"name", "atlasname", "techniquename", "atlastechniquename", "technique", "title"}
	releaseColumns = []string{"release", "atlasrelease", "version", "atlasversion"}
)

func column(h string, names []string) bool {
	h = strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(h)))
	for _, n := range names {
		if h == n {
			return true
		}
	}
	return false
}

// Format is a mapping file's syntax.
type Format string

// The formats Read understands.
const (
	CSV  Format = "csv"
	JSON Format = "json"
	YAML Format = "yaml"
)

// FormatOf picks the format from a file name's extension, or from the
// first non-blank byte when the extension says nothing.
func FormatOf(name string, data []byte) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv":
		return CSV
	case ".json":
		return JSON
	case ".yaml", ".yml":
		return YAML
	}
	d := bytes.TrimSpace(data)
	if len(d) > 0 && (d[0] == '[' || d[0] == '{') {
		return JSON
	}
	if bytes.HasPrefix(d, []byte("- ")) || bytes.HasPrefix(d, []byte("---")) {
		return YAML
	}
	return CSV
}

// Read parses the rows of a mapping file. name is used in messages and
// rows; format "" means FormatOf. Errors name the file and the line.
func Read(name string, data []byte, format Format) ([]Row, error) {
	if format == "" {
		format = FormatOf(name, data)
	}
	switch format {
	case CSV:
		return readCSV(name, data)
	case JSON:
		if err := json.Unmarshal(data, new(any)); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				line, col := position(data, se.Offset)
				return nil, fmt.Errorf("%s:%d:%d: invalid JSON: %v", name, line, col, err)
			}
			return nil, fmt.Errorf("%s: invalid JSON: %v", name, err)
		}
		// JSON is YAML: the YAML tree gives each row its line.
		return readTree(name, data)
	case YAML:
		return readTree(name, data)
	}
	return nil, fmt.Errorf("%s: unknown format %q; use csv, json or yaml", name, format)
}

func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func readCSV(name string, data []byte) ([]Row, error) {
	r := csv.NewReader(bytes.NewReader(data))
	if strings.EqualFold(filepath.Ext(name), ".tsv") {
		r.Comma = '\t'
	}
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: the file is empty; give a header row (id,name[,release]) and one row per mapping", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	idCol, nameCol, relCol := -1, -1, -1
	for i, h := range header {
		switch {
		case idCol < 0 && column(h, idColumns):
			idCol = i
		case nameCol < 0 && column(h, nameColumns):
			nameCol = i
		case relCol < 0 && column(h, releaseColumns):
			relCol = i
		}
	}
	if idCol < 0 {
		return nil, fmt.Errorf("%s:1:1: no id column in the header %q; name one column id (and one name, optionally release)", name, strings.Join(header, ","))
	}
	var rows []Row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, col := r.FieldPos(0)
		if idCol < len(rec) {
			line, col = r.FieldPos(idCol)
		}
		get := func(i int) string {
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		row := Row{ID: get(idCol), Name: get(nameCol), Release: get(relCol), File: name, Line: line, Column: col}
		if row.ID == "" && row.Name == "" {
			continue // a blank line of a spreadsheet
		}
		if len(rows) >= MaxRows {
			return nil, fmt.Errorf("%s:%d: more than %d rows; split the file", name, line, MaxRows)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// readTree reads a YAML (or JSON) list of mappings, or a mapping whose
// "mappings" or "rows" key holds that list.
func readTree(name string, data []byte) ([]Row, error) {
	list, probs := yamlpos.Read(data, yamlpos.Rules{
		Plural:       "mapping files",
		MaxNodes:     MaxRows * 64,
		TooManyNodes: "split the file",
		Empty:        "give a list of {id, name, release} entries",
		Several:      "keep one list per file",
	})
	if list == nil {
		msgs := make([]string, len(probs))
		for i, p := range probs {
			msgs[i] = fmt.Sprintf("%s:%d:%d: %s", name, p.Line, p.Column, p.Msg)
			if p.Line == 0 {
				msgs[i] = fmt.Sprintf("%s: %s", name, p.Msg)
			}
		}
		return nil, errors.New(strings.Join(msgs, "\n"))
	}
	if list.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(list.Content); i += 2 {
			if k := list.Content[i].Value; k == "mappings" || k == "rows" {
				list = list.Content[i+1]
				break
			}
		}
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d:%d: want a list of {id, name, release} entries (or a mapping with a mappings: list)", name, list.Line, list.Column)
	}
	if len(list.Content) > MaxRows {
		return nil, fmt.Errorf("%s: more than %d rows; split the file", name, MaxRows)
	}
	rows := make([]Row, 0, len(list.Content))
	for i, n := range list.Content {
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d:%d: entry %d: want a mapping with id and name", name, n.Line, n.Column, i+1)
		}
		row := Row{File: name, Line: n.Line, Column: n.Column}
		for j := 0; j+1 < len(n.Content); j += 2 {
			k, v := n.Content[j].Value, n.Content[j+1]
			if v.Kind != yaml.ScalarNode {
				if column(k, idColumns) || column(k, nameColumns) || column(k, releaseColumns) {
					return nil, fmt.Errorf("%s:%d:%d: entry %d: %s: want text", name, v.Line, v.Column, i+1, k)
				}
				continue
			}
			switch {
			case row.ID == "" && column(k, idColumns):
				row.ID, row.Line, row.Column = strings.TrimSpace(v.Value), v.Line, v.Column
			case row.Name == "" && column(k, nameColumns):
				row.Name = strings.TrimSpace(v.Value)
			case row.Release == "" && column(k, releaseColumns):
				row.Release = strings.TrimSpace(v.Value)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// ReadFile reads a mapping file's rows (see Read), refusing a file larger
// than maxBytes.
func ReadFile(path string, format Format, maxBytes int64) ([]Row, error) {
	fh, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file; give a CSV, JSON or YAML file of id and name rows", path)
		}
		return nil, fmt.Errorf("%s: cannot open: %w", path, err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read: %w", path, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes; split it", path, maxBytes)
	}
	return Read(path, data, format)
}
