package faults

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// apiSurface is the exported API of the user-facing packages, read from
// their sources, so that the walk's table can be checked against it: a
// type, func or method added later without a case fails the walk.
type apiSurface struct {
	pkgs  []string            // top-level package directories
	types map[string]ast.Expr // "pkg.Type" -> its type expression
	funcs map[string]bool     // "pkg.Func"
	// declared lists the exported methods declared on each receiver type,
	// exported or not: "pkg.Recv" -> names.
	declared map[string]map[string]bool
}

// notUserFacing are the top-level directories that hold programs and
// machinery, not packages users import.
var notUserFacing = map[string]bool{"internal": true, "examples": true, "bench": true}

// moduleRoot walks up from the test's directory to go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the test")
		dir = parent
	}
}

// readAPI parses every top-level package of the module that is not in
// notUserFacing: its non-test Go files as the build would select them
// (cgo included, so cev's files count).
func readAPI(t *testing.T) apiSurface {
	t.Helper()
	root := moduleRoot(t)
	ents, err := os.ReadDir(root)
	require.NoError(t, err)
	api := apiSurface{types: map[string]ast.Expr{}, funcs: map[string]bool{}, declared: map[string]map[string]bool{}}
	bctx := build.Default
	bctx.CgoEnabled = true
	fset := token.NewFileSet()
	for _, e := range ents {
		if !e.IsDir() || notUserFacing[e.Name()] || e.Name()[0] == '.' {
			continue
		}
		bp, err := bctx.ImportDir(filepath.Join(root, e.Name()), 0)
		if err != nil {
			var noGo *build.NoGoError
			require.ErrorAs(t, err, &noGo, "package %s", e.Name())
			continue
		}
		api.pkgs = append(api.pkgs, e.Name())
		for _, name := range append(append([]string{}, bp.GoFiles...), bp.CgoFiles...) {
			f, err := parser.ParseFile(fset, filepath.Join(bp.Dir, name), nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			api.addFile(e.Name(), f)
		}
	}
	sort.Strings(api.pkgs)
	return api
}

func (api *apiSurface) addFile(pkg string, f *ast.File) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			api.addFunc(pkg, d)
		case *ast.GenDecl:
			if d.Tok != token.TYPE {
				continue
			}
			for _, s := range d.Specs {
				if ts := s.(*ast.TypeSpec); ts.Name.IsExported() {
					api.types[pkg+"."+ts.Name.Name] = ts.Type
				}
			}
		}
	}
}

func (api *apiSurface) addFunc(pkg string, d *ast.FuncDecl) {
	if !d.Name.IsExported() {
		return
	}
	if d.Recv == nil {
		api.funcs[pkg+"."+d.Name.Name] = true
		return
	}
	recv := pkg + "." + receiverName(d.Recv.List[0].Type)
	if api.declared[recv] == nil {
		api.declared[recv] = map[string]bool{}
	}
	api.declared[recv][d.Name.Name] = true
}

// receiverName strips a receiver type expression to its type's name:
// *Queue[T] -> Queue.
func receiverName(x ast.Expr) string {
	for {
		switch e := x.(type) {
		case *ast.StarExpr:
			x = e.X
		case *ast.IndexExpr:
			x = e.X
		case *ast.IndexListExpr:
			x = e.X
		case *ast.Ident:
			return e.Name
		default:
			return "?"
		}
	}
}
