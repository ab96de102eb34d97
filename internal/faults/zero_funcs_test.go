package faults

import (
	"net"
	"reflect"
	"syscall"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/gsignal"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/runinfo"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
	"github.com/geventgo/geventgo/subprocess"
	"github.com/geventgo/geventgo/threadpool"
)

// zfunc is one exported func of the table: the func (a generic one
// instantiated with int) and its case.
type zfunc struct {
	fn any
	zcase
}

// zeroFuncs is the walk's table of funcs, keyed "pkg.Func": each is called
// with zero arguments (nil for every pointer, interface, func, slice, map
// and context) in a hub and from a plain goroutine.
var zeroFuncs = map[string]zfunc{
	"cev.HeaderVersion":       {cev.HeaderVersion, everywhere(usable)},
	"cev.NewLoop":             {cev.NewLoop, everywhere(usable).releasing(destroyFirst)},
	"cev.RecommendedBackends": {cev.RecommendedBackends, everywhere(usable)},
	"cev.EmbeddableBackends":  {cev.EmbeddableBackends, everywhere(usable)},
	"cev.SupportedBackends":   {cev.SupportedBackends, everywhere(usable)},
	"cev.Time":                {cev.Time, everywhere(usable)},
	"cev.Version":             {cev.Version, everywhere(usable)},
	"cev.WithBackend":         {cev.WithBackend, everywhere(usable)},
	"cev.WithFlags":           {cev.WithFlags, everywhere(usable)},

	// From a plain goroutine these make the goroutine's main greenlet, which
	// the cleanup closes again.
	// fd -1 rather than 0, which is stdin (New would make it non-blocking).
	"fileobject.New":       {fileobject.New, everywhere(fails(nilArg))},
	"fileobject.NewThread": {fileobject.NewThread, everywhere(fails(nilArg))},
	"fileobject.NewFD":     {fileobject.NewFD, everywhere(fails(is(fileobject.ErrBadFD))).with(-1)},
	"fileobject.Pipe":      {fileobject.Pipe, everywhere(usable).releasing(closeAll)},

	"greenlet.Current":       {greenlet.Current, everywhere(usable).releasing(closeOwnMain)},
	"greenlet.New":           {greenlet.New, everywhere(usable).releasing(closeOwnMain)},
	"greenlet.NewWithParent": {greenlet.NewWithParent, everywhere(fails(is(greenlet.ErrNilParent)))},
	"greenlet.SetTrace":      {greenlet.SetTrace, everywhere(zeroResult).releasing(closeOwnMain)},
	"greenlet.Trace":         {greenlet.Trace, everywhere(zeroResult).releasing(closeOwnMain)},

	"scheduler.ContextError": {scheduler.ContextError, everywhere(usable)},
	"scheduler.CurrentHub":   {scheduler.CurrentHub, everywhere(usable).inGoroutine(zeroResult)},
	"scheduler.GetCurrent":   {scheduler.GetCurrent, everywhere(zeroResult)},
	// The constructors of greenlets hand back a greenlet already dead with
	// the error when they cannot start it.
	"scheduler.Go":         {scheduler.Go, everywhere(fails(nilArg)).following(errOf)},
	"scheduler.New":        {scheduler.New[int], everywhere(usable).following(errOf)},
	"scheduler.Spawn":      {scheduler.Spawn[int], everywhere(fails(nilArg)).following(errOf)},
	"scheduler.SpawnLater": {scheduler.SpawnLater[int], everywhere(fails(nilArg)).following(errOf)},
	"scheduler.SpawnRaw":   {scheduler.SpawnRaw, everywhere(fails(nilArg))},
	// Waiting for none of nothing: done at once, from anywhere.
	"scheduler.IWait":         {scheduler.IWait[scheduler.Linkable], everywhere(usable)},
	"scheduler.Wait":          {scheduler.Wait[scheduler.Linkable], everywhere(usable)},
	"scheduler.JoinAll":       {scheduler.JoinAll[*scheduler.Greenlet[int]], everywhere(usable)},
	"scheduler.KillAll":       {scheduler.KillAll[*scheduler.Greenlet[int]], everywhere(usable)},
	"scheduler.KillAllAsync":  {scheduler.KillAllAsync[*scheduler.Greenlet[int]], everywhere(usable)},
	"scheduler.Idle":          {scheduler.Idle, affine(usable)},
	"scheduler.Sleep":         {scheduler.Sleep, affine(usable)},
	"scheduler.SleepUnref":    {scheduler.SleepUnref, affine(usable)},
	"scheduler.WaitContext":   {scheduler.WaitContext, affine(fails(canceled)).cancelled()},
	"scheduler.Main":          {scheduler.Main, everywhere(fails(nilArg))},
	"scheduler.ConfigFromEnv": {scheduler.ConfigFromEnv, everywhere(usable)},
	"scheduler.NewHub": {scheduler.NewHub, everywhere(fails(is(scheduler.ErrHubExists))).
		inGoroutine(usable).releasing(destroyFirst)},
	"scheduler.NewTimeout":  {scheduler.NewTimeout, everywhere(usable)},
	"scheduler.NewWaiter":   {scheduler.NewWaiter, everywhere(usable)},
	"scheduler.NewWaker":    {scheduler.NewWaker, everywhere(usable)},
	"scheduler.RunBlocking": {scheduler.RunBlocking[int], everywhere(fails(nilArg))},
	// A nil fn is refused before the caller is looked at.
	"scheduler.AssertSwitches": {scheduler.AssertSwitches, everywhere(fails(nilArg))},
	"scheduler.StartTimeout":   {scheduler.StartTimeout, affine(usable).releasing(cancelFirst)},
	"scheduler.WithTimeout":    {scheduler.WithTimeout[int], everywhere(fails(nilArg))},
	// The live view reads every hub from anywhere; a nil writer is refused.
	"scheduler.RunInfo":            {scheduler.RunInfo, everywhere(usable)},
	"scheduler.WriteRunInfo":       {scheduler.WriteRunInfo, everywhere(fails(nilArg))},
	"scheduler.RunInfoStacks":      {scheduler.RunInfoStacks, everywhere(usable)},
	"scheduler.WriteRunInfoStacks": {scheduler.WriteRunInfoStacks, everywhere(fails(nilArg))},

	// An http.HandlerFunc, made from anywhere (serving a nil request panics, as net/http's does).
	"ghttp.TimeoutHandler": {ghttp.TimeoutHandler, everywhere(usable)},

	"lock.NewBoundedSemaphore": {lock.NewBoundedSemaphore, everywhere(usable)},
	"lock.NewSemaphore":        {lock.NewSemaphore, everywhere(usable)},

	// A nil Spawner: refused before anything else, from anywhere.
	"pool.Apply":         {pool.Apply[int], everywhere(fails(nilArg))},
	"pool.ApplyAsync":    {pool.ApplyAsync[int], everywhere(fails(nilArg))},
	"pool.ApplyCallback": {pool.ApplyCallback[int], everywhere(fails(nilArg))},
	"pool.MapAsync":      {pool.MapAsync[int, int], everywhere(fails(nilArg))},
	"pool.MapCallback":   {pool.MapCallback[int, int], everywhere(fails(nilArg))},
	"pool.ImapMaxSize":   {pool.ImapMaxSize, everywhere(usable)},
	"pool.Imap":          {pool.Imap[int, int], everywhere(fails(nilArg))},
	"pool.ImapUnordered": {pool.ImapUnordered[int, int], everywhere(fails(nilArg))},
	"pool.Map":           {pool.Map[int, int], everywhere(fails(nilArg))},
	"pool.Spawn":         {pool.Spawn[int], everywhere(fails(nilArg))},
	"pool.TrySpawn":      {pool.TrySpawn[int], everywhere(fails(nilArg))},
	"pool.New":           {pool.New, everywhere(usable)},
	"pool.NewGroup":      {pool.NewGroup, everywhere(usable)},

	"queue.New":         {queue.New[int], everywhere(usable)},
	"queue.NewChannel":  {queue.NewChannel[int], everywhere(usable)},
	"queue.NewJoinable": {queue.NewJoinable[int], everywhere(usable)},
	"queue.NewLifo":     {queue.NewLifo[int], everywhere(usable)},
	"queue.NewPriority": {queue.NewPriority[int], everywhere(usable)},
	// A nil less: every Put fails, as documented.
	"queue.NewPriorityFunc": {queue.NewPriorityFunc[int], affine(fails(nilArg)).following(func(out []reflect.Value) error {
		err, _ := out[0].MethodByName("TryPut").Call([]reflect.Value{reflect.ValueOf(1)})[0].Interface().(error)
		return err
	})},
	"queue.NewSimple": {queue.NewSimple[int], everywhere(usable)},

	"resolver.Default":       {resolver.Default, everywhere(usable)},
	"resolver.New":           {resolver.New, everywhere(usable)},
	"resolver.NewUnpooled":   {resolver.NewUnpooled, everywhere(usable)},
	"resolver.GetAddrInfo":   {resolver.GetAddrInfo, affine(fails(as[net.UnknownNetworkError]()))},
	"resolver.GetHostByName": {resolver.GetHostByName, affine(fails(as[*net.DNSError]()))},
	"resolver.LookupAddr":    {resolver.LookupAddr, affine(fails(as[*net.DNSError]()))},
	"resolver.LookupHost":    {resolver.LookupHost, affine(fails(as[*net.DNSError]()))},
	"resolver.LookupNetIP":   {resolver.LookupNetIP, affine(fails(as[net.UnknownNetworkError]()))},
	"resolver.LookupPort":    {resolver.LookupPort, affine(gives(0))},

	"runinfo.Handler":  {runinfo.Handler, everywhere(usable)},
	"runinfo.Register": {runinfo.Register, everywhere(fails(nilArg))},

	"server.Listen":       {server.Listen, everywhere(fails(nilArg))},
	"server.ListenPacket": {server.ListenPacket, everywhere(fails(nilArg))},
	"server.NewDatagram":  {server.NewDatagram, everywhere(fails(nilArg))},
	"server.NewStream":    {server.NewStream, everywhere(fails(nilArg))},

	"socket.Dial": {socket.Dial, affine(fails(as[net.UnknownNetworkError]()))},
	// A nil file: refused before the caller is looked at.
	"socket.FileConn":       {socket.FileConn, everywhere(fails(nilArg))},
	"socket.FileListener":   {socket.FileListener, everywhere(fails(nilArg))},
	"socket.FilePacketConn": {socket.FilePacketConn, everywhere(fails(nilArg))},
	"socket.DialTimeout":    {socket.DialTimeout, affine(fails(as[net.UnknownNetworkError]()))},
	"socket.Listen":         {socket.Listen, affine(fails(as[net.UnknownNetworkError]()))},
	"socket.ListenPacket":   {socket.ListenPacket, affine(fails(as[net.UnknownNetworkError]()))},
	// Nothing to wait for: only ctx can end them.
	"socket.Poll":       {socket.Poll, affine(fails(canceled)).cancelled()},
	"socket.Select":     {socket.Select, affine(fails(canceled)).cancelled()},
	"socket.Socketpair": {socket.Socketpair, affine(usable).releasing(closeAll)},
	"socket.TryPoll":    {socket.TryPoll, everywhere(usable)},
	"socket.TrySelect":  {socket.TrySelect, everywhere(usable)},
	// fd -1 rather than 0, which is stdin.
	"socket.WaitRead":      {socket.WaitRead, affine(fails(is(socket.ErrBadFD))).with(-1)},
	"socket.WaitWrite":     {socket.WaitWrite, affine(fails(is(socket.ErrBadFD))).with(-1)},
	"socket.WaitReadWrite": {socket.WaitReadWrite, affine(fails(is(socket.ErrBadFD))).with(-1)},

	"subprocess.Command": {subprocess.Command, everywhere(usable)},
	// Its nil ctx reaches the caller through Start, as documented; an empty
	// name is exec's error.
	"subprocess.CommandContext": {subprocess.CommandContext, everywhere(fails(says("exec: no command"))).following(startFirst).
		nilCtx(fails(nilArg), fails(nilArg))},
	"subprocess.WaitPid": {subprocess.WaitPid, affine(fails(is(syscall.EINVAL)))},

	"threadpool.Apply":         {threadpool.Apply[int], everywhere(fails(nilArg))},
	"threadpool.ApplyAsync":    {threadpool.ApplyAsync[int], everywhere(fails(nilArg)).following(errOf)},
	"threadpool.ApplyCallback": {threadpool.ApplyCallback[int], everywhere(fails(nilArg))},
	"threadpool.Default":       {threadpool.Default, everywhere(usable)},
	"threadpool.Imap":          {threadpool.Imap[int, int], everywhere(fails(nilArg))},
	"threadpool.ImapMaxSize":   {threadpool.ImapMaxSize, everywhere(usable)},
	"threadpool.ImapUnordered": {threadpool.ImapUnordered[int, int], everywhere(fails(nilArg))},
	"threadpool.Map":           {threadpool.Map[int, int], everywhere(fails(nilArg))},
	"threadpool.MapAsync":      {threadpool.MapAsync[int, int], everywhere(fails(nilArg)).following(errOf)},
	"threadpool.MapCallback":   {threadpool.MapCallback[int, int], everywhere(fails(nilArg))},
	"threadpool.New":           {threadpool.New, everywhere(fails(is(threadpool.ErrInvalidSize)))},
	"threadpool.Spawn":         {threadpool.Spawn[int], everywhere(fails(nilArg)).following(errOf)},

	"gsignal.Handle": {gsignal.Handle, everywhere(fails(nilArg))},
	"gsignal.Main":   {gsignal.Main, everywhere(fails(nilArg))},
	// Signal 0 only checks that the process exists.
	"gsignal.Self": {gsignal.Self, everywhere(usable)},
}

// destroyFirst destroys the loop or hub a call made.
func destroyFirst(out []reflect.Value) {
	if !out[0].IsNil() {
		out[0].MethodByName("Destroy").Call(nil)
	}
}

// cancelFirst cancels the Timeout a call started.
func cancelFirst(out []reflect.Value) {
	if !out[0].IsNil() {
		out[0].MethodByName("Cancel").Call(nil)
	}
}

// closeAll closes the sockets a call made.
func closeAll(out []reflect.Value) {
	for _, v := range out {
		if v.Kind() == reflect.Pointer && !v.IsNil() {
			v.MethodByName("Close").Call(nil)
		}
	}
}

// startFirst is the error of starting the Cmd a call made.
func startFirst(out []reflect.Value) error {
	err, _ := out[0].MethodByName("Start").Call(nil)[0].Interface().(error)
	return err
}

// closeOwnMain closes the main greenlet a call made a plain goroutine (in a
// hub the main greenlet is the hub's, which Main closes).
func closeOwnMain([]reflect.Value) {
	if scheduler.CurrentHub() == nil {
		_ = greenlet.Current().Close()
	}
}
