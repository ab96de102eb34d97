package faults

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"os"
	"reflect"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The zero-value walk: every exported type's zero value and a nil pointer
// to it, and a receiver its constructor made where the zero value does not
// work, get every exported method called with zero arguments (nil
// pointers, interfaces, funcs, slices, maps and contexts); every exported
// func gets the same. Each call runs in a hub (scheduler.Main) and from a
// plain goroutine, under recover. The table (zero_types_test.go,
// zero_funcs_test.go) records what each call must do; TestZeroWalkCoversAPI
// checks the table against the packages' sources, so an exported type,
// func or method added later without a case fails with what to add.

// hangLimit bounds one call: a call that blocks on its zero value ends by
// its context (deadlineCtx) long before.
const hangLimit = 20 * time.Second

// deadlineAfter is deadlineCtx's deadline: far enough that no call that
// does not block reaches it on a loaded machine.
const deadlineAfter = 5 * time.Second

type recvKind int

const (
	noRecv   recvKind = iota // a func
	zeroRecv                 // new(T)
	nilRecv                  // (*T)(nil)
	liveRecv                 // made by the type's constructor
	madeRecv                 // a value of an unexported type, made through the API
)

// situation is one way of making a call.
type situation struct {
	recv   recvKind
	inHub  bool
	nilCtx bool
}

func (s situation) String() string {
	parts := []string{[...]string{"func", "zero value", "nil pointer", "live value", "made by the API"}[s.recv]}
	if s.inHub {
		parts = append(parts, "in a hub")
	} else {
		parts = append(parts, "from a goroutine")
	}
	if s.nilCtx {
		parts = append(parts, "nil ctx")
	}
	return strings.Join(parts, ", ")
}

// want returns what the call must do in situation s.
func (c zcase) want(s situation) want {
	if s.nilCtx {
		return c.nilCtxWant(s.inHub)
	}
	return c.recvWant(s)
}

func (c zcase) recvWant(s situation) want {
	switch {
	case s.recv == nilRecv && s.inHub:
		return c.nilHub
	case s.recv == nilRecv:
		return c.nilGoes
	case s.recv == liveRecv:
		return c.live
	case s.inHub:
		return c.hub
	}
	return c.goes
}

// nilCtxWant is the rule for a nil context: ErrNilArgument in a hub;
// ErrNilArgument or ErrNotGreenlet from a goroutine (both refuse: which
// check comes first is the package's choice); or the case's own.
func (c zcase) nilCtxWant(inHub bool) want {
	switch {
	case inHub && c.nilCtxHub != nil:
		return *c.nilCtxHub
	case !inHub && c.nilCtxGoes != nil:
		return *c.nilCtxGoes
	case inHub:
		return fails(nilArg)
	}
	return fails(nilArg, notGreenlet)
}

// outcome is what one call did.
type outcome struct {
	panicked any
	stack    []byte
	hasErr   bool  // the call reports an error: an error result, a yielded one, a follow
	err      error // that error
	vals     []reflect.Value
	trouble  []error // what the hub reported or threw after the call
	hung     bool
}

// problems lists how o differs from w (nothing: the call did what w says).
func (w want) problems(o outcome) []string {
	switch {
	case o.hung:
		return []string{fmt.Sprintf("did not return within %v", hangLimit)}
	case o.panicked != nil:
		return []string{fmt.Sprintf("panicked: %v\n%s", o.panicked, o.stack)}
	}
	var ps []string
	for _, err := range o.trouble {
		ps = append(ps, fmt.Sprintf("left trouble behind: %v", err))
	}
	ps = append(ps, w.errProblems(o)...)
	for i, v := range o.vals {
		switch {
		case w.vals != nil && i < len(w.vals) && !reflect.DeepEqual(v.Interface(), w.vals[i]):
			ps = append(ps, fmt.Sprintf("result %d is %#v, want %#v", i, v.Interface(), w.vals[i]))
		case w.zeros && !v.IsZero():
			ps = append(ps, fmt.Sprintf("result %d is %#v, want its zero value", i, v.Interface()))
		}
	}
	if w.vals != nil && len(w.vals) != len(o.vals) {
		ps = append(ps, fmt.Sprintf("%d results besides the error, want %d", len(o.vals), len(w.vals)))
	}
	return ps
}

func (w want) errProblems(o outcome) []string {
	switch {
	case len(w.errs) == 0 && o.err != nil:
		return []string{fmt.Sprintf("returned error %q (%T), want none", o.err, o.err)}
	case len(w.errs) == 0:
		return nil
	case !o.hasErr:
		return []string{"has no error result, want " + w.String()}
	case o.err == nil:
		return []string{"returned no error, want " + w.String()}
	}
	for _, m := range w.errs {
		if m.ok(o.err) {
			return namedTwice(o.err)
		}
	}
	return []string{fmt.Sprintf("returned error %q (%T), want %s", o.err, o.err, w)}
}

// namedTwice reports a refusal that names two calls: the module's *Error (a type with an Op)
// directly around another one, as JoinableQueue.Join's was around the event's Wait. A refusal
// names the call the caller made, once.
func namedTwice(err error) []string {
	if inner := errors.Unwrap(err); inner != nil && isModuleOpError(err) && isModuleOpError(inner) {
		return []string{fmt.Sprintf("returned %q: a %T around a %T, two calls named", err, err, inner)}
	}
	return nil
}

// isModuleOpError reports whether err is a pointer to one of the module's error structs with
// an Op.
func isModuleOpError(err error) bool {
	v := reflect.ValueOf(err)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false
	}
	return v.Elem().FieldByName("Op").IsValid() && strings.HasPrefix(v.Type().Elem().PkgPath(), "github.com/geventgo/geventgo/")
}

var (
	ctxType = reflect.TypeFor[context.Context]()
	errType = reflect.TypeFor[error]()
)

func hasCtxParam(ft reflect.Type) bool {
	for i := range ft.NumIn() {
		if ft.In(i) == ctxType {
			return true
		}
	}
	return false
}

// target is one method or func of the table, ready to call.
type target struct {
	c zcase
	// fn returns the callable and what to undo after the call: a method
	// value of a fresh receiver, or the func. It runs where the call runs.
	fn func() (reflect.Value, func(), error)
}

// invoke calls the target once, with ctx for its context parameters.
func (tg target) invoke(ctx context.Context) (o outcome) {
	fn, undo, err := tg.fn()
	if err != nil {
		o.trouble = append(o.trouble, fmt.Errorf("making the receiver: %w", err))
		return o
	}
	defer undo()
	defer func() {
		if p := recover(); p != nil {
			o.panicked, o.stack = p, debug.Stack()
		}
	}()
	out := fn.Call(tg.args(fn.Type(), ctx))
	for _, v := range out {
		o.addResult(v)
	}
	if tg.c.follow != nil {
		o.hasErr, o.err = true, tg.c.follow(out)
	}
	if tg.c.cleanup != nil {
		tg.c.cleanup(out)
	}
	return o
}

// args are zero values, ctx for a context, and the case's replacements for
// the others; a variadic parameter gets no argument.
func (tg target) args(ft reflect.Type, ctx context.Context) []reflect.Value {
	n := ft.NumIn()
	if ft.IsVariadic() {
		n--
	}
	args := make([]reflect.Value, n)
	next := 0
	for i := range n {
		pt := ft.In(i)
		switch {
		case pt == ctxType:
			args[i] = reflect.ValueOf(&ctx).Elem()
		case next < len(tg.c.args):
			args[i] = reflect.ValueOf(tg.c.args[next]).Convert(pt)
			next++
		default:
			args[i] = reflect.Zero(pt)
		}
	}
	return args
}

// addResult records one result: an error, the first pair an iter.Seq2 of
// errors yields (its error is the call's), or a value.
func (o *outcome) addResult(v reflect.Value) {
	switch {
	case v.Type() == errType:
		o.hasErr = true
		o.err, _ = v.Interface().(error)
	case v.Kind() == reflect.Func && v.Type().CanSeq2() && v.Type().In(0).In(1) == errType:
		o.hasErr = true
		if v.IsNil() {
			o.err = errors.New("returned a nil iterator")
			return
		}
		for _, e := range v.Seq2() {
			o.err, _ = e.Interface().(error)
			break
		}
	default:
		o.vals = append(o.vals, v)
	}
}

// run makes the call in situation s: in a fresh hub's main greenlet or in
// a fresh goroutine, so no call sees what another left.
func (tg target) run(s situation) outcome {
	ctx, cancel := context.WithTimeout(bg, deadlineAfter)
	defer cancel()
	switch {
	case s.nilCtx:
		ctx = nil
	case tg.c.ctx == canceledCtx:
		cancel()
	case tg.c.ctx == deadlineCtx:
		// ctx as made: it ends after deadlineAfter.
	}
	fds := countFDs()
	done := make(chan outcome, 1)
	if s.inHub {
		go func() { done <- tg.runInHub(ctx) }()
	} else {
		go func() { done <- tg.invoke(ctx) }()
	}
	select {
	case o := <-done:
		if n := countFDs(); n != fds {
			o.trouble = append(o.trouble, fmt.Errorf("%d descriptors open before the call, %d after", fds, n))
		}
		return o
	case <-time.After(hangLimit):
		return outcome{hung: true}
	}
}

// countFDs counts the process's open descriptors (-1 if it cannot): what a
// call made must be released by the call or its case's cleanup.
func countFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// runInHub calls the target in the main greenlet of a new hub, lets the
// callbacks it queued run, and collects what the hub reported (a panic in a
// queued callback), what it threw into main, and Destroy's error.
func (tg target) runInHub(ctx context.Context) outcome {
	var o outcome
	r := &reports{}
	err := scheduler.Main(func() error {
		h := scheduler.CurrentHub()
		h.SetErrorHandler(r.add)
		// The blocking detector is not what this walk checks: a loaded
		// machine (the race detector) may stall the hub past its default.
		h.SetBlockingThreshold(time.Minute)
		o = tg.invoke(ctx)
		if err := scheduler.Sleep(bg, 0); err != nil {
			o.trouble = append(o.trouble, fmt.Errorf("main's next wait after the call failed: %w", err))
		}
		return nil
	})
	for _, rep := range r.all() {
		if !errors.Is(rep, scheduler.ErrBlockingHub) {
			o.trouble = append(o.trouble, fmt.Errorf("reported to the hub's error handler: %w", rep))
		}
	}
	if err != nil {
		o.trouble = append(o.trouble, fmt.Errorf("the hub's Main: %w", err))
	}
	return o
}

// check runs the target in s as a subtest and compares with the case.
func (tg target) check(t *testing.T, s situation) {
	t.Run(s.String(), func(t *testing.T) {
		w := tg.c.want(s)
		for _, p := range w.problems(tg.run(s)) {
			t.Error(p)
		}
	})
}

// situations lists the ways to call a method or func of type ft.
func situations(ft reflect.Type, recv recvKind) []situation {
	places := []bool{true, false}
	if recv == liveRecv {
		places = []bool{true}
	}
	var ss []situation
	for _, inHub := range places {
		ss = append(ss, situation{recv: recv, inHub: inHub})
		if hasCtxParam(ft) {
			ss = append(ss, situation{recv: recv, inHub: inHub, nilCtx: true})
		}
	}
	return ss
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestZeroValues walks every method of every exported type: on its zero
// value and a nil pointer, in a hub and from a plain goroutine, and on a
// live receiver in a hub.
func TestZeroValues(t *testing.T) {
	api := readAPI(t)
	openFDs(t) // opens the runtime's poller first, for good
	for _, name := range sortedKeys(zeroTypes) {
		zt := zeroTypes[name]
		for _, m := range sortedKeys(zt.methods) {
			t.Run(name+"."+m, func(t *testing.T) {
				walkMethod(t, api, name, zt, m)
			})
		}
	}
}

func walkMethod(t *testing.T, api apiSurface, name string, zt ztype, method string) {
	c := zt.methods[method]
	typ := zt.typ
	recv, kind := func() reflect.Value { return reflect.New(typ) }, zeroRecv
	if zt.made != nil {
		typ = madeType(zt)
		recv, kind = func() reflect.Value { return reflect.ValueOf(zt.made()) }, madeRecv
	}
	mt, ok := reflect.PointerTo(typ).MethodByName(method)
	require.True(t, ok, "%s has no method %s", typ, method)
	first := func() (reflect.Value, func(), error) {
		r := recv()
		return r.MethodByName(method), func() { c.undo(r) }, nil
	}
	for _, s := range situations(mt.Type, kind) {
		if s.inHub && c.noZeroHub != "" {
			continue
		}
		target{c: c, fn: first}.check(t, s)
	}
	if zt.made == nil {
		walkNil(t, api, name, zt, method, c, mt.Type)
	}
	if zt.live != nil && c.noLive == "" {
		live := func() (reflect.Value, func(), error) {
			recv, release, err := zt.live()
			if err != nil {
				return reflect.Value{}, nil, err
			}
			r := reflect.ValueOf(recv)
			return r.MethodByName(method), func() { c.undo(r); release() }, nil
		}
		for _, s := range situations(mt.Type, liveRecv) {
			target{c: c, fn: live}.check(t, s)
		}
	}
}

// undo runs the case's after on the receiver of a call that returned.
func (c zcase) undo(recv reflect.Value) {
	if c.after != nil {
		c.after(recv)
	}
}

// madeType is the type of the values zt.made makes (the element type when
// they are pointers).
func madeType(zt ztype) reflect.Type {
	typ := reflect.TypeOf(zt.made())
	if typ.Kind() == reflect.Pointer {
		return typ.Elem()
	}
	return typ
}

// walkNil calls the method on a nil *T. A method with a value receiver is
// left out: a nil *T has no value to copy, so Go's wrapper panics before
// the method runs, Go's own nil-pointer behaviour and outside the contract
// the walk checks (zero values, nil arguments and nil receivers;
// ARCHITECTURE.md, Conventions). So is a method promoted from an embedded
// field, which Go's wrapper reaches through the nil pointer before any
// code of the package runs: the contract is that an exported type declares
// every method, and TestZeroWalkNoPromoted (zero_promoted_test.go) fails on
// one only promoted, unless zeroPromoted excuses it.
func walkNil(t *testing.T, api apiSurface, name string, zt ztype, method string, c zcase, mt reflect.Type) {
	if _, byValue := zt.typ.MethodByName(method); byValue {
		return
	}
	nilp := func() (reflect.Value, func(), error) {
		return reflect.Zero(reflect.PointerTo(zt.typ)).MethodByName(method), func() {}, nil
	}
	if !api.declared[name][method] {
		return
	}
	for _, s := range situations(mt, nilRecv) {
		target{c: c, fn: nilp}.check(t, s)
	}
}

// TestNilArguments calls every exported func with zero arguments (and a nil
// or live context), in a hub and from a plain goroutine.
func TestNilArguments(t *testing.T) {
	openFDs(t) // opens the runtime's poller first, for good
	for _, name := range sortedKeys(zeroFuncs) {
		zf := zeroFuncs[name]
		t.Run(name, func(t *testing.T) {
			fv := reflect.ValueOf(zf.fn)
			require.Equal(t, reflect.Func, fv.Kind(), "zeroFuncs[%q].fn", name)
			fn := func() (reflect.Value, func(), error) { return fv, func() {}, nil }
			for _, s := range situations(fv.Type(), noRecv) {
				target{c: zf.zcase, fn: fn}.check(t, s)
			}
		})
	}
}

// TestZeroWalkCoversAPI checks the table against the packages' sources:
// every user-facing package, exported type, func and method has a case, and
// the table names nothing that is gone.
func TestZeroWalkCoversAPI(t *testing.T) {
	api := readAPI(t)
	inTable := map[string]bool{}
	for name := range zeroTypes {
		inTable[strings.Split(name, ".")[0]] = true
	}
	for name := range zeroFuncs {
		inTable[strings.Split(name, ".")[0]] = true
	}
	for _, pkg := range api.pkgs {
		assert.True(t, inTable[pkg], "package %s is not walked: add its exported types to zeroTypes (zero_types_test.go) and its funcs to zeroFuncs (zero_funcs_test.go)", pkg)
	}
	for _, name := range sortedKeys(api.types) {
		if _, ok := zeroTypes[name]; !ok {
			t.Errorf("type %s has no case: add it to zeroTypes in zero_types_test.go, with a zcase for each exported method (what its zero value, a nil *%[2]s and a live one must do), or a why for an interface, func or method-less type", name, strings.Split(name, ".")[1])
		}
	}
	for _, name := range sortedKeys(api.funcs) {
		if _, ok := zeroFuncs[name]; !ok {
			t.Errorf("func %s has no case: add it to zeroFuncs in zero_funcs_test.go with what it must do given zero arguments (nil pointers, interfaces, funcs, slices, maps, contexts) in a hub and from a plain goroutine", name)
		}
	}
	for _, name := range sortedKeys(zeroFuncs) {
		assert.True(t, api.funcs[name], "zeroFuncs has %s, which is not an exported func any more: remove it", name)
	}
	for _, name := range sortedKeys(zeroTypes) {
		checkTypeCase(t, api, name, zeroTypes[name])
	}
	checkUndeclared(t, api)
}

// checkTypeCase checks one type's entry: the reflect type is the one named,
// its method cases are exactly its exported methods, and a type without
// methods to walk says why.
func checkTypeCase(t *testing.T, api apiSurface, name string, zt ztype) {
	_, tname, _ := strings.Cut(name, ".")
	if zt.made != nil {
		assert.False(t, ast.IsExported(tname), "zeroTypes[%q] has made, for unexported types only", name)
		assert.NotEmpty(t, api.declared[name], "zeroTypes[%q]: %s declares no exported method any more: remove it", name, name)
		checkMethods(t, api, name, madeType(zt), zt)
		return
	}
	expr, exported := api.types[name]
	if !exported {
		t.Errorf("zeroTypes has %s, which is not exported any more: remove it", name)
		return
	}
	if zt.typ == nil {
		assert.NotEmpty(t, zt.why, "zeroTypes[%q] has neither a type nor a why", name)
		assert.True(t, isInterfaceOrFunc(expr), "zeroTypes[%q] has no type but %s is neither an interface nor a func type", name, name)
		return
	}
	checkMethods(t, api, name, zt.typ, zt)
}

// checkMethods checks that typ is the type named and that the method cases
// are exactly its exported methods.
func checkMethods(t *testing.T, api apiSurface, name string, typ reflect.Type, zt ztype) {
	pkg, tname, _ := strings.Cut(name, ".")
	base, _, _ := strings.Cut(typ.Name(), "[")
	assert.Equal(t, tname, base, "zeroTypes[%q].typ", name)
	assert.True(t, strings.HasSuffix(typ.PkgPath(), "/"+pkg), "zeroTypes[%q].typ is in %s", name, typ.PkgPath())
	pt := reflect.PointerTo(typ)
	for i := range pt.NumMethod() {
		m := pt.Method(i).Name
		if _, ok := zt.methods[m]; !ok {
			t.Errorf("%s.%s has no case: add %q to zeroTypes[%q].methods, with what its zero value, a nil *%s and a live one (when the type has a live constructor) must do", name, m, m, name, tname)
		}
	}
	for _, m := range sortedKeys(zt.methods) {
		_, ok := pt.MethodByName(m)
		assert.True(t, ok, "zeroTypes[%q].methods has %s, which %s no longer has: remove it", name, m, name)
	}
	for m := range api.declared[name] {
		_, ok := pt.MethodByName(m)
		assert.True(t, ok, "%s declares %s but zeroTypes[%q].typ has no such method: is it the right type?", name, m, name)
	}
	if pt.NumMethod() == 0 {
		assert.NotEmpty(t, zt.why, "zeroTypes[%q] has no methods to walk: say why in its why", name)
	}
}

func isInterfaceOrFunc(x ast.Expr) bool {
	switch x.(type) {
	case *ast.InterfaceType, *ast.FuncType:
		return true
	}
	return false
}

// checkUndeclared checks the methods declared on unexported types: each is
// promoted into an exported type of the table (walked there), or the type
// is in the table with made (a value made through the API is walked), or
// listed in zeroUnreachable with why no caller can reach it.
func checkUndeclared(t *testing.T, api apiSurface) {
	for _, recv := range sortedKeys(api.declared) {
		pkg, tname, _ := strings.Cut(recv, ".")
		if ast.IsExported(tname) {
			continue
		}
		if _, ok := zeroTypes[recv]; ok {
			continue
		}
		if why, ok := zeroUnreachable[recv]; ok {
			assert.NotEmpty(t, why, "zeroUnreachable[%q]", recv)
			continue
		}
		if !embeddedInTable(pkg, tname) {
			t.Errorf("%s declares exported methods but no exported type of the table embeds it: add it to zeroTypes with made (making one through the API) or to zeroUnreachable with why no caller reaches it", recv)
		}
	}
	for name := range zeroUnreachable {
		assert.NotEmpty(t, api.declared[name], "zeroUnreachable has %s, which declares no exported method any more: remove it", name)
	}
}

// embeddedInTable reports whether an exported type of pkg in the table
// embeds the unexported type tname (by value or pointer), so that its
// methods are promoted and walked there.
func embeddedInTable(pkg, tname string) bool {
	for name, zt := range zeroTypes {
		if !strings.HasPrefix(name, pkg+".") || zt.typ == nil || zt.typ.Kind() != reflect.Struct {
			continue
		}
		for i := range zt.typ.NumField() {
			f := zt.typ.Field(i)
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			base, _, _ := strings.Cut(ft.Name(), "[")
			if f.Anonymous && base == tname {
				return true
			}
		}
	}
	return false
}
