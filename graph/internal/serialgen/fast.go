package main

import (
	"go/ast"
	"go/token"
	"strings"
)

// scalarFast names gqlgen's marshalers of the scalars the fast path writes
// itself (package serial), each with the call writing a struct field (given
// its address) and the call writing a method's result. Their values can be
// neither an error nor a forbidden null, so they need no field context.
var scalarFast = map[string][2]string{
	"marshalNString2string":   {"serial.StringAt(&%s)", "serial.String(%s)"},
	"marshalOString2string":   {"serial.StringAt(&%s)", "serial.String(%s)"},
	"marshalNID2string":       {"serial.StringAt(&%s)", "serial.String(%s)"},
	"marshalOString2ᚖstring":  {"serial.OptStringAt(%s)", "serial.OptStringAt(%s)"},
	"marshalNInt2int":         {"serial.Int(%s)", "serial.Int(%s)"},
	"marshalNBoolean2bool":    {"serial.Bool(%s)", "serial.Bool(%s)"},
	"marshalOBoolean2bool":    {"serial.Bool(%s)", "serial.Bool(%s)"},
	"marshalNString2ᚕstringᚄ": {"serial.StringsAt(&%s)", "serial.Strings(%s)"},
	"marshalNID2ᚕstringᚄ":     {"serial.StringsAt(&%s)", "serial.Strings(%s)"},
}

// fastPath returns the statement to put first in a plain field's function:
// `func (ec *executionContext) _T_f(ctx, field, obj) (ret graphql.Marshaler)
// { return graphql.ResolveField(ctx, ec.OperationContext, field, <field
// context>, func(ctx) (any, error) { return obj.F, nil }, nil, <marshal v
// with ec.marshalX>, recover, nonNull) }`, where the resolver reads a
// struct field or calls a method with no arguments (no context, no error),
// and there is no directive (middleware nil). Anything else (resolvers,
// arguments, directives, interface-typed results, whose nil gqlgen reports
// differently) keeps gqlgen's call alone: ok is false.
//
// On a function that has the fast path already (serialgen run twice), ok is
// true and the statement is "": the rewrite is idempotent.
func fastPath(d *ast.FuncDecl, marshalers map[string]*ast.FuncDecl, wrappers map[string]string, text func(ast.Node) string) (string, bool) {
	if !strings.HasPrefix(d.Name.Name, "_") || !strings.Contains(d.Name.Name[1:], "_") || d.Body == nil {
		return "", false
	}
	if len(d.Body.List) == 2 {
		if first, ok := d.Body.List[0].(*ast.IfStmt); ok && strings.Contains(text(first.Cond), "serial.Plain(") {
			return "", true
		}
	}
	if len(d.Body.List) != 1 {
		return "", false
	}
	if names := paramNames(d); len(names) != 3 || names[0] != "ctx" || names[1] != "field" || names[2] != "obj" {
		return "", false
	}
	if res := d.Type.Results; res == nil || len(res.List) != 1 || len(res.List[0].Names) != 1 || res.List[0].Names[0].Name != "ret" {
		return "", false
	}
	ret, ok := d.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return "", false
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok || !isSelector(call.Fun, "graphql", "ResolveField") || len(call.Args) != 9 {
		return "", false
	}
	if id, ok := call.Args[5].(*ast.Ident); !ok || id.Name != "nil" {
		return "", false // a directive chain
	}
	recoverFlag, ok := call.Args[7].(*ast.Ident)
	if !ok || (recoverFlag.Name != "true" && recoverFlag.Name != "false") {
		return "", false
	}
	// The field context: func(ctx, field) { return ec.fieldContext_T_f(ctx, field) }.
	fcCall, ok := onlyReturn(call.Args[3], 1)
	if !ok {
		return "", false
	}
	fcFun, ok := fcCall[0].(*ast.CallExpr)
	if !ok || !isSelector(fcFun.Fun, "ec", "") || len(fcFun.Args) != 2 {
		return "", false
	}
	fieldContext := text(fcFun.Fun)
	// The resolver: func(ctx) (any, error) { return obj.F, nil } or obj.M().
	res, ok := onlyReturn(call.Args[4], 2)
	if !ok {
		return "", false
	}
	if id, ok := res[1].(*ast.Ident); !ok || id.Name != "nil" {
		return "", false
	}
	value := res[0]
	method := false
	if c, ok := value.(*ast.CallExpr); ok {
		if len(c.Args) != 0 || c.Ellipsis.IsValid() {
			return "", false
		}
		value, method = c.Fun, true
	}
	if !rootedAtObj(value) {
		return "", false
	}
	// The marshaler: func(ctx, selections, v T) { return ec.marshalX(ctx, selections, v) }.
	lit, ok := call.Args[6].(*ast.FuncLit)
	if !ok || len(lit.Type.Params.List) != 3 {
		return "", false
	}
	m, ok := onlyReturn(lit, 1)
	if !ok {
		return "", false
	}
	mCall, ok := m[0].(*ast.CallExpr)
	if !ok || len(mCall.Args) != 3 || !isSelector(mCall.Fun, "ec", "") {
		return "", false
	}
	marshal := mCall.Fun.(*ast.SelectorExpr).Sel.Name
	resultType := lit.Type.Params.List[2].Type
	getter := text(res[0])

	var b strings.Builder
	if calls, ok := scalarFast[marshal]; ok {
		b.WriteString("if obj != nil && serial.Plain(ec.OperationContext) {\n")
		if method && recoverFlag.Name == "true" {
			b.WriteString("defer func() {\nif r := recover(); r != nil {\n")
			b.WriteString("ret = serial.Recovered(ctx, ec.OperationContext, field, " + fieldContext + ", r)\n}\n}()\n")
		}
		tmpl := calls[0]
		if method {
			tmpl = calls[1]
		}
		b.WriteString("return " + strings.Replace(tmpl, "%s", getter, 1) + "\n}\n")
		return b.String(), true
	}
	md, ok := marshalers[marshal]
	if !ok || (mayBeInterface(resultType) && comparesWithNil(md)) {
		return "", false
	}
	b.WriteString("if serial.Plain(ec.OperationContext) {\n")
	b.WriteString("fc, err := " + fieldContext + "(ctx, field)\nif err != nil {\nreturn graphql.Null\n}\n")
	b.WriteString("ctx, fc = serial.WithFieldCopy(ctx, fc)\n")
	if recoverFlag.Name == "true" {
		b.WriteString("defer func() {\nif r := recover(); r != nil {\n")
		b.WriteString("ec.OperationContext.Error(ctx, ec.OperationContext.Recover(ctx, r))\nret = graphql.Null\n}\n}()\n")
	}
	if target, ok := wrappers[marshal]; ok {
		// An object held by value, which the wrapper would copy to the heap
		// to take its address (and fc.Result would box a second copy):
		// marshalled where it lies when it is a struct field, from one copy
		// when a method returns it.
		if method {
			b.WriteString("v := " + getter + "\nres := &v\n")
		} else {
			b.WriteString("res := &" + getter + "\n")
		}
		b.WriteString("fc.Result = res\n")
		b.WriteString("return ec." + target + "(ctx, field.Selections, res)\n}\n")
		return b.String(), true
	}
	b.WriteString("res := " + getter + "\nfc.Result = res\n")
	b.WriteString("return ec." + marshal + "(ctx, field.Selections, res)\n}\n")
	return b.String(), true
}

func paramNames(d *ast.FuncDecl) []string {
	var names []string
	for _, p := range d.Type.Params.List {
		for _, n := range p.Names {
			names = append(names, n.Name)
		}
	}
	return names
}

// onlyReturn returns the results of a function literal whose body is one
// return statement of n results.
func onlyReturn(e ast.Expr, n int) ([]ast.Expr, bool) {
	lit, ok := e.(*ast.FuncLit)
	if !ok || len(lit.Body.List) != 1 {
		return nil, false
	}
	ret, ok := lit.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != n {
		return nil, false
	}
	return ret.Results, true
}

// isSelector reports whether e is pkg.name (any name when name is "").
func isSelector(e ast.Expr, pkg, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || (name != "" && sel.Sel.Name != name) {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkg
}

// rootedAtObj reports whether e is obj.A.B... (a chain of selectors on obj).
func rootedAtObj(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	if id, ok := sel.X.(*ast.Ident); ok {
		return id.Name == "obj"
	}
	return rootedAtObj(sel.X)
}

// mayBeInterface reports whether a result type could be an interface: a
// named type (pointers, slices, maps and Go's basic types cannot be).
func mayBeInterface(t ast.Expr) bool {
	switch t := t.(type) {
	case *ast.StarExpr, *ast.ArrayType, *ast.MapType:
		return false
	case *ast.Ident:
		switch t.Name {
		case "string", "bool", "int", "int32", "int64", "float64", "float32":
			return false
		}
	}
	return true
}

// comparesWithNil reports whether a marshaler tests its value v against
// nil: for a named type, that it is an interface (a struct value cannot be
// nil), whose nil gqlgen's ResolveField reports itself.
func comparesWithNil(d *ast.FuncDecl) bool {
	found := false
	ast.Inspect(d.Body, func(n ast.Node) bool {
		if b, ok := n.(*ast.BinaryExpr); ok && (b.Op == token.EQL || b.Op == token.NEQ) {
			x, xok := b.X.(*ast.Ident)
			y, yok := b.Y.(*ast.Ident)
			if xok && yok && x.Name == "v" && y.Name == "nil" {
				found = true
			}
		}
		return !found
	})
	return found
}
