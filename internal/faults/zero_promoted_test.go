package faults

import (
	"go/ast"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The walk calls a nil *T's methods only where T declares them (walkNil):
// a method T only promotes from an embedded field is reached by Go's
// generated wrapper through the nil pointer, which panics before any code
// of the package runs. So that a method added later to an embedded type
// (Group, Queue, Semaphore) does not reach its outer type's nil pointers
// unchecked, TestZeroWalkNoPromoted fails on every method of an exported
// type of the table that is promoted and not declared, unless
// zeroPromoted excuses it.

// promotedExcuse is why a promoted method is let through.
type promotedExcuse struct {
	why string
	// defect: the promotion is a known defect (a nil *T panics on the
	// method). Its check is skipped with why, so that the run lists it for
	// its owner, and the entry must go once the method is declared. Without
	// defect the promotion is deliberate and safe, and why says so.
	defect bool
}

// zeroPromoted excuses promoted methods, keyed "pkg.Type.Method": each one
// by name, so that a method promoted later is not excused with them. None
// is: every exported type of the table declares all its methods.
var zeroPromoted = map[string]promotedExcuse{}

// TestZeroWalkNoPromoted checks that no exported type of the table has a
// method in its pointer method set that it does not declare (one promoted
// from an embedded field), but those zeroPromoted excuses; and that each of
// zeroPromoted's entries is still such a method.
func TestZeroWalkNoPromoted(t *testing.T) {
	api := readAPI(t)
	promoted := map[string]bool{}
	for _, name := range sortedKeys(zeroTypes) {
		zt := zeroTypes[name]
		_, tname, _ := strings.Cut(name, ".")
		if zt.typ == nil || !ast.IsExported(tname) {
			continue
		}
		for _, m := range promotedMethods(api, name, zt.typ) {
			promoted[name+"."+m] = true
			t.Run(name+"."+m, func(t *testing.T) {
				checkPromoted(t, name, m, zt.typ)
			})
		}
	}
	for _, key := range sortedKeys(zeroPromoted) {
		assert.True(t, promoted[key], "zeroPromoted has %s, which is no longer a promoted method (its type declares it now, or it is gone): remove the entry", key)
	}
}

// promotedMethods lists the exported methods of *typ that the type named
// does not declare, in order.
func promotedMethods(api apiSurface, name string, typ reflect.Type) []string {
	var ms []string
	pt := reflect.PointerTo(typ)
	for i := range pt.NumMethod() {
		if m := pt.Method(i).Name; !api.declared[name][m] {
			ms = append(ms, m)
		}
	}
	return ms
}

// checkPromoted fails on the promoted method unless zeroPromoted excuses it
// (a known defect is skipped, naming it).
func checkPromoted(t *testing.T, name, method string, typ reflect.Type) {
	ex, ok := zeroPromoted[name+"."+method]
	switch {
	case ok && ex.defect:
		t.Skipf("known defect: %s", ex.why)
	case ok:
		assert.NotEmpty(t, ex.why, "zeroPromoted[%q] says nothing of why the promotion is safe", name+"."+method)
		return
	}
	_, tname, _ := strings.Cut(name, ".")
	t.Errorf("%s.%s is promoted from %s: a nil *%s panics on it; declare it on %s with a nil check (or, if the promotion is deliberate and safe, add it to zeroPromoted in zero_promoted_test.go saying why)",
		name, method, embeddedFrom(typ, method), tname, tname)
}

// embeddedFrom names the embedded field of typ through which method is
// promoted.
func embeddedFrom(typ reflect.Type, method string) string {
	if typ.Kind() != reflect.Struct {
		return "an embedded field"
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Anonymous && hasMethod(f.Type, method) {
			return f.Name
		}
	}
	return "an embedded field"
}

// hasMethod reports whether a field of type ft has the method, taking the
// field's address when it is not a pointer or an interface (as promotion
// through a pointer to the outer struct does).
func hasMethod(ft reflect.Type, method string) bool {
	if ft.Kind() != reflect.Pointer && ft.Kind() != reflect.Interface {
		ft = reflect.PointerTo(ft)
	}
	_, ok := ft.MethodByName(method)
	return ok
}
