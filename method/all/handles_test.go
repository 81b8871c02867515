package all_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestBindingsReadThroughHandles checks that no binding of the method
// packages (method/...) reads a parameter by a name written out as a
// string (v.Float("gamma"), v.Has("eta"), ...): every read goes through the
// typed handle of the parameter's declaration (credit.P.Get, Lookup, Has).
//
// The other half is checked at run time: a handle the method does not
// declare panics in Get, and TestEveryMethodSucceeds and
// TestEveryOptionSucceeds run every method under its defaults and under
// every alternative choice and flipped boolean, so a run that reads an
// undeclared parameter fails there.
func TestBindingsReadThroughHandles(t *testing.T) {
	accessors := map[string]bool{"Float": true, "Int": true, "Bool": true, "String": true, "Has": true}
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		n++
		ast.Inspect(f, func(x ast.Node) bool {
			call, ok := x.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			lit, isLit := call.Args[0].(*ast.BasicLit)
			if ok && accessors[sel.Sel.Name] && isLit && lit.Kind == token.STRING {
				name, _ := strconv.Unquote(lit.Value)
				t.Errorf("%s: parameter %q read by name (.%s); declare a handle (credit.P) and read it with Get", fset.Position(call.Pos()), name, sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d files of method/... read; run from method/all", n)
	}
}
