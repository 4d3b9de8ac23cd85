// Command serialgen is the second step of `go generate ./graph`: it rewrites
// the list marshalling gqlgen generated so that lists whose selection needs
// no concurrency are marshalled serially (package graph/internal/serial).
//
// It reads the executable schema gqlgen wrote (graph/generated/generated.go)
// and, from it alone:
//
//   - finds, in each object's marshalling function (`_Technique`, ...), the
//     fields gqlgen resolves concurrently (the cases that call
//     ResolveConcurrently or Concurrently: resolvers, batch resolvers and
//     methods taking a context), and gives an interface or union the fields of
//     every object implementing it (the `...Implementors` lists);
//   - replaces every call of graphql.MarshalSliceConcurrently with
//     serial.Slice, passing the list's selection and that table, and every
//     graphql.NewDeferredGroup(ctx) of an object with serial.Deferred(ctx,
//     fields), which builds the group only when a field is deferred; a list
//     element held by value is marshalled in place (&v[i]) rather than
//     copied to the heap by gqlgen's by-value wrapper; and an object with no
//     deferred field is written by serial.Object, without the per-object map
//     and per-field copies of gqlgen's FieldSet writer;
//   - collects an object's fields with serial.CollectFields, which keeps
//     them for the other elements of the serial list the object is in
//     instead of building gqlgen's cache key again for each;
//   - puts a fast path first in the function of every plain field (one
//     that reads a struct field or calls a method with no arguments, no
//     context and no error, with no directive): when the operation has no
//     field middleware (serial.Plain), the field is written without
//     graphql.ResolveField's closures, boxing and middleware, scalars by
//     serial's own marshalers (fast.go says which and why the answer is
//     the same);
//   - writes the table to graph/generated/concurrent.go.
//
// It keys nothing on Go package paths or model bindings: what is concurrent
// is what gqlgen generated as concurrent, so moving a model type to another
// package or adding a resolver changes the table on the next `go generate`.
// It fails, naming the place, when the generated code has a shape it does
// not recognise (a gqlgen upgrade), rather than writing a partial rewrite.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

const (
	concurrentCall = "MarshalSliceConcurrently"
	deferredCall   = "NewDeferredGroup"
	collectCall    = "CollectFields"
	tableName      = "concurrentFields"
	serialPath     = "/graph/internal/serial"
)

func main() {
	exec := flag.String("exec", "graph/generated/generated.go", "the executable schema gqlgen generated, rewritten in place")
	table := flag.String("table", "graph/generated/concurrent.go", "where to write the table of concurrent fields")
	module := flag.String("module", "", "module path (default: read from go.mod in the current directory)")
	flag.Parse()
	if err := run(*exec, *table, *module); err != nil {
		fmt.Fprintln(os.Stderr, "serialgen:", err)
		os.Exit(1)
	}
}

func run(execPath, tablePath, module string) error {
	if module == "" {
		m, err := modulePath("go.mod")
		if err != nil {
			return err
		}
		module = m
	}
	src, err := os.ReadFile(execPath)
	if err != nil {
		return err
	}
	out, fields, err := rewrite(execPath, src, module+serialPath)
	if err != nil {
		return err
	}
	pkg := filepath.Base(filepath.Dir(tablePath))
	tbl, err := tableSource(pkg, module+serialPath, fields)
	if err != nil {
		return err
	}
	if err := os.WriteFile(execPath, out, 0o644); err != nil {
		return err
	}
	return os.WriteFile(tablePath, tbl, 0o644)
}

func modulePath(gomod string) (string, error) {
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", fmt.Errorf("read the module path: %w (run from the repository root, or pass -module)", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("%s: no module line", gomod)
}

// edit replaces src[from:to] with text.
type edit struct {
	from, to int
	text     string
}

// rewrite returns the rewritten source and the table of concurrent fields.
func rewrite(name string, src []byte, serialImport string) ([]byte, map[string][]string, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, nil, err
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	where := func(p token.Pos) string { return fset.Position(p).String() }

	wrappers := addressWrappers(file)
	marshalers := map[string]*ast.FuncDecl{}
	for _, decl := range file.Decls {
		if d, ok := decl.(*ast.FuncDecl); ok && d.Recv != nil && strings.HasPrefix(d.Name.Name, "marshal") {
			marshalers[d.Name.Name] = d
		}
	}
	text := func(n ast.Node) string { return string(src[off(n.Pos()):off(n.End())]) }
	objects := map[string][]string{} // object type -> concurrent fields
	implements := map[string][]string{}
	var edits []edit
	var failures []error
	fastFields, collects := 0, 0
	for _, decl := range file.Decls {
		switch d := decl.(type) {
		case *ast.GenDecl:
			collectImplementors(d, implements)
		case *ast.FuncDecl:
			if d.Recv == nil || d.Body == nil {
				continue
			}
			if obj, ok := objectFunc(d); ok {
				objects[obj] = concurrentCases(d)
				edits = append(edits, objectReturn(d, off)...)
			}
			if fast, ok := fastPath(d, marshalers, wrappers, text); ok {
				if fast != "" {
					edits = append(edits, edit{off(d.Body.Lbrace) + 1, off(d.Body.Lbrace) + 1, "\n" + fast})
				}
				fastFields++
			}
			ast.Inspect(d.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != concurrentCall && sel.Sel.Name != deferredCall && sel.Sel.Name != collectCall) {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "serial" && sel.Sel.Name == collectCall {
					collects++ // rewritten before: a second run changes nothing
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "graphql" {
					return true
				}
				if sel.Sel.Name == collectCall {
					// graphql.CollectFields(ec.OperationContext, sel, xImplementors) in a
					// function with a ctx: serial.CollectFields(ctx, ...) finds the
					// fields in the memo of the serial list ctx is in.
					if hasParam(d, "ctx") && len(call.Args) == 3 {
						edits = append(edits,
							edit{off(sel.Pos()), off(sel.End()), "serial.CollectFields"},
							edit{off(call.Args[0].Pos()), off(call.Args[0].Pos()), "ctx, "})
						collects++
					}
					return true
				}
				if sel.Sel.Name == deferredCall {
					if !assigns(d, "fields") || len(call.Args) != 1 {
						failures = append(failures, fmt.Errorf("%s: %s in %s has a shape serialgen does not know (no variable fields, or not 1 argument): update graph/internal/serialgen for this gqlgen version",
							where(call.Pos()), deferredCall, d.Name.Name))
						return true
					}
					edits = append(edits,
						edit{off(sel.Pos()), off(sel.End()), "serial.Deferred"},
						edit{off(call.Args[0].End()), off(call.Args[0].End()), ", fields"})
					return true
				}
				if !hasParam(d, "sel") || len(call.Args) != 5 {
					failures = append(failures, fmt.Errorf("%s: %s in %s has a shape serialgen does not know (no parameter sel, or not 5 arguments): update graph/internal/serialgen for this gqlgen version",
						where(call.Pos()), concurrentCall, d.Name.Name))
					return true
				}
				edits = append(edits,
					edit{off(sel.Pos()), off(sel.End()), "serial.Slice"},
					edit{off(call.Args[1].Pos()), off(call.Args[1].Pos()), "sel, " + tableName + ", "})
				edits = append(edits, inPlace(call.Args[4], wrappers, off)...)
				return true
			})
		}
	}
	if err := errors.Join(failures...); err != nil {
		return nil, nil, err
	}
	if fastFields == 0 {
		return nil, nil, fmt.Errorf("%s: found no plain field (func (ec *executionContext) _Type_field(ctx, field, obj) returning graphql.ResolveField(...) of obj.Field): update graph/internal/serialgen for this gqlgen version", name)
	}
	if collects == 0 {
		return nil, nil, fmt.Errorf("%s: found no graphql.CollectFields(ec.OperationContext, sel, implementors) in a function with a ctx: update graph/internal/serialgen for this gqlgen version", name)
	}
	if len(objects) == 0 {
		return nil, nil, fmt.Errorf("%s: found no object marshalling functions (func (ec *executionContext) _Type(ctx, sel, obj)): update graph/internal/serialgen for this gqlgen version", name)
	}

	table := map[string][]string{}
	for obj, fs := range objects {
		table[obj] = append(table[obj], fs...)
		impl, ok := implements[obj]
		if !ok {
			continue
		}
		for _, iface := range impl {
			if iface != obj {
				table[iface] = append(table[iface], fs...)
			}
		}
	}
	for k, v := range table {
		slices.Sort(v)
		table[k] = slices.Compact(v)
	}

	if len(edits) > 0 {
		imp, err := importEdit(file, off, serialImport)
		if err != nil {
			return nil, nil, err
		}
		edits = append(edits, imp...)
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].from < edits[j].from })
	var buf bytes.Buffer
	last := 0
	for _, e := range edits {
		buf.Write(src[last:e.from])
		buf.WriteString(e.text)
		last = e.to
	}
	buf.Write(src[last:])
	out, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: the rewritten code does not parse: %w", name, err)
	}
	return out, table, nil
}

// addressWrappers finds the functions gqlgen writes to marshal an object
// held by value, `func (ec *executionContext) marshalNT2...(ctx, sel, v T)
// graphql.Marshaler { return ec._T(ctx, sel, &v) }`, and maps each to the
// object function it calls. Called on a list element v[i], such a wrapper
// copies the element to the heap to take its address.
func addressWrappers(file *ast.File) map[string]string {
	out := map[string]string{}
	for _, decl := range file.Decls {
		d, ok := decl.(*ast.FuncDecl)
		if !ok || d.Recv == nil || d.Body == nil || len(d.Body.List) != 1 || !strings.HasPrefix(d.Name.Name, "marshal") {
			continue
		}
		params := d.Type.Params.List
		if len(params) != 3 || len(params[2].Names) != 1 || params[2].Names[0].Name != "v" {
			continue
		}
		if _, ptr := params[2].Type.(*ast.StarExpr); ptr {
			continue
		}
		ret, ok := d.Body.List[0].(*ast.ReturnStmt)
		if !ok || len(ret.Results) != 1 {
			continue
		}
		call, ok := ret.Results[0].(*ast.CallExpr)
		if !ok || len(call.Args) != 3 {
			continue
		}
		fun, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !strings.HasPrefix(fun.Sel.Name, "_") {
			continue
		}
		if u, ok := call.Args[2].(*ast.UnaryExpr); !ok || u.Op != token.AND {
			continue
		} else if id, ok := u.X.(*ast.Ident); !ok || id.Name != "v" {
			continue
		}
		out[d.Name.Name] = fun.Sel.Name
	}
	return out
}

// inPlace rewrites, in a list element closure, `ec.marshalNT2...(ctx, sel,
// v[i])` of an address wrapper into `ec._T(ctx, sel, &v[i])`: the element is
// marshalled where it lies (the closure already points the field context's
// Result at &v[i]) instead of being copied to the heap first. Nothing in
// the executor writes to the object it marshals.
func inPlace(closure ast.Expr, wrappers map[string]string, off func(token.Pos) int) []edit {
	lit, ok := closure.(*ast.FuncLit)
	if !ok || len(lit.Body.List) == 0 {
		return nil
	}
	ret, ok := lit.Body.List[len(lit.Body.List)-1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return nil
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok || len(call.Args) != 3 {
		return nil
	}
	fun, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	target, ok := wrappers[fun.Sel.Name]
	if !ok {
		return nil
	}
	if _, ok := call.Args[2].(*ast.IndexExpr); !ok {
		return nil
	}
	return []edit{
		{off(fun.Sel.Pos()), off(fun.Sel.End()), target},
		{off(call.Args[2].Pos()), off(call.Args[2].Pos()), "&"},
	}
}

// objectReturn rewrites the final `return out` of an object's marshalling
// function into `return serial.Object(out, fields)`.
func objectReturn(d *ast.FuncDecl, off func(token.Pos) int) []edit {
	if len(d.Body.List) == 0 || !assigns(d, "fields") || !assigns(d, "out") {
		return nil
	}
	ret, ok := d.Body.List[len(d.Body.List)-1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return nil
	}
	if id, ok := ret.Results[0].(*ast.Ident); !ok || id.Name != "out" {
		return nil
	}
	if e, ok := plainObject(d, off); ok {
		return append(e, edit{off(ret.Results[0].Pos()), off(ret.Results[0].End()), "out.Marshaler()"})
	}
	return []edit{{off(ret.Results[0].Pos()), off(ret.Results[0].End()), "serial.Object(out, fields)"}}
}

// plainObject returns, for an object function that schedules nothing
// concurrently (no call whose name ends in Concurrently) and uses out only
// as `out := graphql.NewFieldSet(fields)`, out.Values, out.Invalids and
// out.Dispatch, the edit that makes out a serial.Values: one allocation per
// object for what gqlgen's FieldSet, its value slice and serial.Object's
// writer took three.
func plainObject(d *ast.FuncDecl, off func(token.Pos) int) ([]edit, bool) {
	var newCall *ast.CallExpr
	ok := true
	selected := map[*ast.Ident]bool{}
	ast.Inspect(d.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, isSel := n.Fun.(*ast.SelectorExpr); isSel && strings.HasSuffix(sel.Sel.Name, "Concurrently") {
				ok = false
			}
		case *ast.AssignStmt:
			if len(n.Lhs) == 1 && len(n.Rhs) == 1 && n.Tok == token.DEFINE {
				if id, isID := n.Lhs[0].(*ast.Ident); isID && id.Name == "out" {
					call, isCall := n.Rhs[0].(*ast.CallExpr)
					if !isCall || len(call.Args) != 1 {
						ok = false
						return false
					}
					fun, isSel := call.Fun.(*ast.SelectorExpr)
					pkg, isPkg := fun.X.(*ast.Ident)
					arg, isArg := call.Args[0].(*ast.Ident)
					if !isSel || !isPkg || pkg.Name != "graphql" || fun.Sel.Name != "NewFieldSet" || !isArg || arg.Name != "fields" {
						ok = false
						return false
					}
					newCall = call
					selected[id] = true
				}
			}
		case *ast.SelectorExpr:
			if id, isID := n.X.(*ast.Ident); isID && id.Name == "out" {
				switch n.Sel.Name {
				case "Values", "Invalids", "Dispatch":
					selected[id] = true
				default:
					ok = false
				}
			}
		case *ast.ReturnStmt:
			if len(n.Results) == 1 {
				if id, isID := n.Results[0].(*ast.Ident); isID && id.Name == "out" {
					selected[id] = true
				}
			}
		case *ast.Ident:
			if n.Name == "out" && !selected[n] {
				// Seen before its parent marked it: Inspect visits parents
				// first, so an unmarked use is one of another shape.
				ok = false
			}
		}
		return ok
	})
	if !ok || newCall == nil {
		return nil, false
	}
	return []edit{
		{off(newCall.Fun.Pos()), off(newCall.Fun.End()), "serial.NewValuesIn"},
		{off(newCall.Args[0].Pos()), off(newCall.Args[0].Pos()), "ctx, "},
	}, true
}

// objectFunc reports whether d is an object's marshalling function,
// `func (ec *executionContext) _Name(ctx context.Context, sel ast.SelectionSet, obj *T)`,
// and returns the GraphQL type name. Field functions (`_Name_field`) take a
// graphql.CollectedField, not a selection set.
func objectFunc(d *ast.FuncDecl) (string, bool) {
	name, ok := strings.CutPrefix(d.Name.Name, "_")
	if !ok || name == "" {
		return "", false
	}
	params := d.Type.Params.List
	if len(params) < 2 || len(params[1].Names) != 1 || params[1].Names[0].Name != "sel" {
		return "", false
	}
	return name, true
}

// assigns reports whether d's body defines a variable name with :=.
func assigns(d *ast.FuncDecl, name string) bool {
	found := false
	ast.Inspect(d.Body, func(n ast.Node) bool {
		if a, ok := n.(*ast.AssignStmt); ok && a.Tok == token.DEFINE {
			for _, l := range a.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == name {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

func hasParam(d *ast.FuncDecl, name string) bool {
	for _, p := range d.Type.Params.List {
		for _, n := range p.Names {
			if n.Name == name {
				return true
			}
		}
	}
	return false
}

// concurrentCases returns the field names of the `switch field.Name` cases
// whose body hands the field to a goroutine (ResolveConcurrently for object
// fields, ResolveRootConcurrently for root fields, Concurrently in older
// templates).
func concurrentCases(d *ast.FuncDecl) []string {
	var names []string
	ast.Inspect(d.Body, func(n ast.Node) bool {
		cc, ok := n.(*ast.CaseClause)
		if !ok {
			return true
		}
		concurrent := false
		for _, stmt := range cc.Body {
			ast.Inspect(stmt, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if sel, ok := call.Fun.(*ast.SelectorExpr); ok &&
						strings.HasSuffix(sel.Sel.Name, "Concurrently") {
						concurrent = true
					}
				}
				return !concurrent
			})
		}
		if concurrent {
			for _, e := range cc.List {
				if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						names = append(names, s)
					}
				}
			}
		}
		return true
	})
	return names
}

// collectImplementors reads `var techniqueImplementors = []string{"Technique", "Node"}`:
// the object first, then the interfaces and unions it belongs to.
func collectImplementors(d *ast.GenDecl, into map[string][]string) {
	if d.Tok != token.VAR {
		return
	}
	for _, spec := range d.Specs {
		vs, ok := spec.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || len(vs.Values) != 1 || !strings.HasSuffix(vs.Names[0].Name, "Implementors") {
			continue
		}
		lit, ok := vs.Values[0].(*ast.CompositeLit)
		if !ok || len(lit.Elts) == 0 {
			continue
		}
		var names []string
		for _, e := range lit.Elts {
			if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
				if s, err := strconv.Unquote(b.Value); err == nil {
					names = append(names, s)
				}
			}
		}
		if len(names) > 0 {
			into[names[0]] = names
		}
	}
}

// importEdit adds the serial package to the file's import block.
func importEdit(file *ast.File, off func(token.Pos) int, path string) ([]edit, error) {
	for _, imp := range file.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			return nil, nil
		}
	}
	for _, decl := range file.Decls {
		d, ok := decl.(*ast.GenDecl)
		if !ok || d.Tok != token.IMPORT || !d.Lparen.IsValid() {
			continue
		}
		return []edit{{off(d.Rparen), off(d.Rparen), "\t" + strconv.Quote(path) + "\n"}}, nil
	}
	return nil, errors.New("no parenthesised import block to add the serial package to")
}

func tableSource(pkg, serialImport string, table map[string][]string) ([]byte, error) {
	types := make([]string, 0, len(table))
	for t := range table {
		types = append(types, t)
	}
	slices.Sort(types)
	var b bytes.Buffer
	b.WriteString("// Code generated by graph/internal/serialgen from generated.go. DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\nimport %q\n\n", pkg, serialImport)
	b.WriteString("// " + tableName + " names, per object, interface and union type, the fields\n")
	b.WriteString("// the executor above resolves on goroutines; a list whose selection reaches\n")
	b.WriteString("// none of them is marshalled serially (package serial).\n")
	b.WriteString("var " + tableName + " = serial.Fields{\n")
	for _, t := range types {
		fmt.Fprintf(&b, "\t%q: {", t)
		for i, f := range table[t] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q", f)
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
