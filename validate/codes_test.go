package validate

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

// TestEveryRuleExercised checks that every Code and every Why declared in
// decision.go appears in the golden decisions, so that a new rule cannot
// be added without a case that shows its message.
func TestEveryRuleExercised(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("testdata", "reasons.golden"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "decision.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			typ, ok := vs.Type.(*ast.Ident)
			if !ok || (typ.Name != "Code" && typ.Name != "Why") {
				continue
			}
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					t.Fatalf("%s is not a literal", name.Name)
				}
				value, _ := strconv.Unquote(lit.Value)
				seen++
				if !strings.Contains(string(golden), " "+value+" ") {
					t.Errorf("%s (%q) appears in no golden decision", name.Name, value)
				}
			}
		}
	}
	if seen < 30 {
		t.Errorf("found only %d codes and whys in decision.go", seen)
	}
}
