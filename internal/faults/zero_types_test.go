package faults

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"reflect"
	"strings"
	"syscall"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/gsignal"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
	"github.com/geventgo/geventgo/subprocess"
	"github.com/geventgo/geventgo/threadpool"
)

// zeroTypes is the walk's table of types: every exported type of the
// user-facing packages, keyed "pkg.Type", with a case for each exported
// method (zero_want_test.go says how to read one).
var zeroTypes = map[string]ztype{
	// cev: a nil or zero Loop or watcher returns ErrInvalid, a getter its
	// zero value (IO.FD: -1), anywhere (cev knows no hub).
	"cev.Async":    {typ: reflect.TypeFor[cev.Async](), methods: cevWatcher("Send", "AsyncPending")},
	"cev.Check":    {typ: reflect.TypeFor[cev.Check](), methods: cevWatcher("", "")},
	"cev.Child":    {typ: reflect.TypeFor[cev.Child](), methods: cevWatcher("", "Pid Rpid Rstatus")},
	"cev.Cleanup":  {typ: reflect.TypeFor[cev.Cleanup](), methods: cevWatcher("", "")},
	"cev.Fork":     {typ: reflect.TypeFor[cev.Fork](), methods: cevWatcher("", "")},
	"cev.IO":       {typ: reflect.TypeFor[cev.IO](), methods: cevWatcher("Set", "Events", "FD")},
	"cev.Idle":     {typ: reflect.TypeFor[cev.Idle](), methods: cevWatcher("", "")},
	"cev.Periodic": {typ: reflect.TypeFor[cev.Periodic](), methods: cevWatcher("Again Set", "At Interval Offset")},
	"cev.Prepare":  {typ: reflect.TypeFor[cev.Prepare](), methods: cevWatcher("", "")},
	"cev.Signal":   {typ: reflect.TypeFor[cev.Signal](), methods: cevWatcher("", "Signum")},
	"cev.Stat":     {typ: reflect.TypeFor[cev.Stat](), methods: cevWatcher("Set Stat", "Attr Interval Prev")},
	"cev.Timer":    {typ: reflect.TypeFor[cev.Timer](), methods: cevWatcher("Again Set SetRepeat", "Remaining Repeat")},
	"cev.Loop": {typ: reflect.TypeFor[cev.Loop](), live: liveLoop, methods: merge(
		names("Break ClearPending Destroy FeedEvent FeedFDEvent Fork Ref Resume Run SetIOCollectInterval SetTimeoutCollectInterval Suspend Unref UpdateNow Verify",
			everywhere(fails(is(cev.ErrInvalid))).onLive(usable)),
		names("NewAsync NewCheck NewCleanup NewFork NewIdle NewPrepare NewPeriodic NewTimer",
			everywhere(fails(is(cev.ErrInvalid))).onLive(fails(is(cev.ErrNilCallback)))),
		// Their zero pid, events, signal or path is refused before the nil
		// callback.
		names("NewChild NewIO NewSignal NewStat", everywhere(fails(is(cev.ErrInvalid)))),
		names("ActiveCount Backend Depth Iteration Now PendingCount WatcherCount", everywhere(zeroResult).onLive(usable)),
		map[string]zcase{
			// A live loop refuses a nil Watcher and an empty event too.
			"FeedEvent":   everywhere(fails(is(cev.ErrInvalid))),
			"FeedFDEvent": everywhere(fails(is(cev.ErrInvalid))),
		},
	)},
	"cev.Error": {typ: reflect.TypeFor[cev.Error](), methods: errorMethods(
		gives("cev: "), gives("cev: <nil>"))},
	"cev.StatData":   {typ: reflect.TypeFor[cev.StatData](), why: "plain fields: nothing to call"},
	"cev.LoopOption": {why: "a func type: NewLoop's options (WithBackend, WithFlags) are walked as funcs"},
	"cev.Watcher":    {why: "an interface: Loop.FeedEvent and Hub.Wait get a nil one"},

	// greenlet: the zero Greenlet is not usable and says so (ErrUncreated);
	// a nil one alike.
	"greenlet.Greenlet": {typ: reflect.TypeFor[greenlet.Greenlet](), live: liveRawGreenlet, methods: merge(
		names("Active Dead ID IsMain Main OwnedByCaller OwnerGoroutine Parent Stack Started", getter(zeroResult).onLive(usable)),
		names("Close KillAll SetParent Switch Throw", everywhere(fails(is(greenlet.ErrUncreated)))),
		map[string]zcase{
			"String": getter(gives("greenlet (not created)")).onNil(gives("greenlet (not created)")).onLive(usable),
			// Only a running main greenlet may close or kill its owner's.
			"Close":     everywhere(fails(is(greenlet.ErrUncreated))).onLive(fails(is(greenlet.ErrNotMain))),
			"KillAll":   everywhere(fails(is(greenlet.ErrUncreated))).onLive(fails(is(greenlet.ErrNotMain))),
			"SetParent": everywhere(fails(is(greenlet.ErrUncreated))).onLive(fails(is(greenlet.ErrNilParent))),
			"Switch":    everywhere(fails(is(greenlet.ErrUncreated))).onLive(usable),
			// Throw(nil) throws GreenletExit, which the unstarted greenlet
			// dies of and hands its parent as a value.
			"Throw": everywhere(fails(is(greenlet.ErrUncreated))).onLive(usable),
		},
	)},
	"greenlet.Error": {typ: reflect.TypeFor[greenlet.Error](), methods: errorMethods(
		gives("greenlet 0: : <nil>"), gives("greenlet: <nil>"))},
	"greenlet.PanicError": {typ: reflect.TypeFor[greenlet.PanicError](), methods: errorMethods(
		gives("greenlet 0: panic: <nil>"), gives("greenlet: <nil>"))},
	"greenlet.TraceError": {typ: reflect.TypeFor[greenlet.TraceError](), methods: map[string]zcase{
		"Error":  everywhere(usable).onNil(gives("greenlet: <nil>")),
		"Unwrap": everywhere(usable).onNil(zeroResult),
	}},
	"greenlet.Args":      {typ: reflect.TypeFor[greenlet.Args](), why: "a slice of switch arguments: nothing to call"},
	"greenlet.Func":      {why: "a func type: New and NewWithParent get a nil one"},
	"greenlet.TraceFunc": {why: "a func type: SetTrace gets a nil one"},

	"scheduler.Binding": {typ: reflect.TypeFor[scheduler.Binding](), methods: map[string]zcase{
		"Check":     affine(usable),
		"CheckWait": affine(usable),
		"Hub":       getter(zeroResult),
	}},
	"scheduler.BlockingError": {typ: reflect.TypeFor[scheduler.BlockingError](), methods: map[string]zcase{
		"Error":  everywhere(usable).onNil(gives("scheduler: <nil>")),
		"Unwrap": everywhere(fails(is(scheduler.ErrBlockingHub))),
	}},
	// The zero Callback is no callback; a live one is queued on the walk's
	// hub, and Stop and Pending are hub-affine (a no-op and false elsewhere).
	"scheduler.MemoryUsageError": {typ: reflect.TypeFor[scheduler.MemoryUsageError](), methods: map[string]zcase{
		"Error":  everywhere(gives("scheduler: memory usage 0.0 MiB exceeds the limit of 0.0 MiB")).onNil(gives("scheduler: <nil>")),
		"Unwrap": everywhere(fails(is(scheduler.ErrMemoryUsage))),
	}},
	"scheduler.SwitchError": {typ: reflect.TypeFor[scheduler.SwitchError](), methods: map[string]zcase{
		"Error":  everywhere(gives("scheduler: AssertSwitches: no switch to the hub")).onNil(gives("scheduler: <nil>")),
		"Unwrap": everywhere(fails(is(scheduler.ErrNoSwitch))),
	}},
	"scheduler.Callback": {typ: reflect.TypeFor[scheduler.Callback](), live: liveCallback, methods: map[string]zcase{
		"Pending": getter(zeroResult).onLive(gives(true)),
		"Stop":    noop(),
	}},
	"scheduler.Error": {typ: reflect.TypeFor[scheduler.Error](), methods: opErrorMethods(
		gives("scheduler: : <nil>"), gives("scheduler: <nil>"))},
	"scheduler.GreenletError": {typ: reflect.TypeFor[scheduler.GreenletError](), methods: errorMethods(
		gives("scheduler:  failed: <nil>"), gives("scheduler: <nil>"))},
	"scheduler.ExitError": {typ: reflect.TypeFor[scheduler.ExitError](), methods: map[string]zcase{
		"Error":  everywhere(gives("exit requested (code 0)")).onNil(gives("scheduler: <nil>")),
		"Unwrap": everywhere(fails(is(scheduler.ErrExit))),
	}},
	"scheduler.LoopExitError": {typ: reflect.TypeFor[scheduler.LoopExitError](), methods: map[string]zcase{
		"Error":  everywhere(usable).onNil(gives("scheduler: <nil>")),
		"Unwrap": everywhere(fails(is(scheduler.ErrLoopExit))),
	}},
	// The zero Config is the environment's settings (none in the walk):
	// NewHub makes a hub only where NewHub would.
	"scheduler.Config": {typ: reflect.TypeFor[scheduler.Config](), methods: map[string]zcase{
		"NewHub": everywhere(fails(is(scheduler.ErrHubExists))).inGoroutine(usable).releasing(destroyFirst),
		"Main":   everywhere(fails(nilArg)),
	}},
	// The zero Local is usable in any greenlet of any hub.
	"scheduler.Local": {typ: reflect.TypeFor[scheduler.Local[int]](), methods: map[string]zcase{
		"Get":    getter(zeroResult),
		"Set":    affine(usable),
		"Delete": affine(usable),
	}},
	"scheduler.PanicError": {typ: reflect.TypeFor[scheduler.PanicError](), methods: errorMethods(
		gives("panic: <nil>"), gives("scheduler: <nil>"))},
	"scheduler.Greenlet": {typ: reflect.TypeFor[scheduler.Greenlet[int]](), live: liveGreenlet, methods: merge(
		// The zero Greenlet belongs to no hub and has no body.
		names("Dead HasLinks Hub Ready Started Successful", getter(zeroResult).onLive(usable)),
		names("Err ExitErr", getter(usable)),
		names("Name String", getter(gives("Greenlet-0")).onNil(gives("<nil>")).onLive(usable)),
		names("Link LinkException LinkValue Rawlink", getter(zeroResult).onLive(zeroResult)),
		// The live greenlet was spawned by main, without a recorded stack.
		names("SpawningGreenlet SpawningStack", getter(zeroResult).onLive(zeroResult)),
		names("Unlink UnlinkAll SetName", noop()),
		names("Join Kill KillAsync", everywhere(fails(notGreenlet)).onNil(fails(nilArg)).onLive(usable)),
		names("Start StartLater", everywhere(fails(nilArg, notGreenlet)).onNil(fails(nilArg)).onLive(usable)),
		map[string]zcase{
			// A nil Greenlet never runs: its context is never cancelled.
			"Context": getter(usable).onNil(gives(context.Background())),
			"Get":     everywhere(fails(notGreenlet)).onNil(fails(nilArg)).onLive(usable),
			// The live greenlet runs in the hub's next turn: not ready yet.
			"TryGet": everywhere(fails(notGreenlet)).onNil(fails(nilArg)).onLive(fails(is(scheduler.ErrNotReady))),
			"Value":  getter(zeroResult).onLive(usable),
		},
	)},
	"scheduler.Hub": {typ: reflect.TypeFor[scheduler.Hub](), live: liveHub, methods: merge(
		// The zero Hub and a nil one are no hub: hub-affine calls are
		// refused with ErrNotGreenlet, queries return zero values.
		names("Check CheckWait", everywhere(fails(notGreenlet)).onLive(usable)),
		names("InHub OnHub", getter(zeroResult).onLive(usable)),
		// No targets: the set is emptied (the walk's own hub has none left).
		names("SetSystemErrors", everywhere(usable).onNil(fails(nilArg))),
		names("SystemErrors", getter(zeroResult).onLive(usable)),
		names("RecordSpawnStacks", getter(zeroResult).onLive(usable)),
		names("BlockingThreshold SwitchInterval ThreadpoolSize", getter(zeroResult).onLive(usable)),
		names("SetRecordSpawnStacks", noop()),
		names("Destroyed IdleWorkers Loop", getter(zeroResult).onLive(usable)),
		names("SetErrorHandler SetErrorOutput SetSwitchInterval", noop()),
		names("HandleError", noop()),
		names("SetBlockingThreshold", noop()),
		names("Stats", getter(zeroResult).onLive(usable)),
		// A nil next: nothing to hand over.
		names("SwitchEach", noop()),
		map[string]zcase{
			"Destroy": everywhere(fails(notGreenlet)).noLiveCall("destroying the walk's own hub ends the walk; Destroy's own tests cover it"),
			"Done":    getter(zeroResult).onLive(usable),
			"Join":    everywhere(fails(notGreenlet)).onLive(usable),
			// A nil callback is refused before the hub is looked at.
			"AddSpawnCallback":    everywhere(fails(nilArg)),
			"RemoveSpawnCallback": everywhere(fails(notGreenlet)).onLive(usable),
			// Hub-affine, as Post refuses: a nil Hub is a nil argument,
			// a zero one no hub. A refused call's release does nothing,
			// but it is a func.
			"KeepAlive": everywhere(fails(notGreenlet)).onNil(fails(nilArg)).onLive(usable).releasing(func(out []reflect.Value) {
				out[0].Call(nil)
			}),
			"Post": everywhere(fails(nilArg)),
			// A nil callback is refused before the hub is looked at.
			"RunCallback": everywhere(fails(nilArg)),
			// As Post: a nil Hub is a nil argument, a zero one no hub.
			"Snapshot": everywhere(fails(notGreenlet)).onNil(fails(nilArg)).onLive(usable),
			// Switch from main with nothing to wake it: LoopExit.
			"Switch": everywhere(fails(notGreenlet)).onLive(fails(is(scheduler.ErrLoopExit))),
			"Wait":   everywhere(fails(nilArg)),
		},
	)},
	"scheduler.Timeout": {typ: reflect.TypeFor[scheduler.Timeout](), methods: map[string]zcase{
		"Cancel":  noop(),
		"Close":   everywhere(usable),
		"Context": getter(usable).onNil(usable),
		// A zero Timeout is NewTimeout(0, nil): its error is itself.
		"Err":       getter(fails(is(scheduler.ErrTimeout))).onNil(usable),
		"Error":     getter(gives("scheduler: timeout 0s")).onNil(gives("scheduler: <nil>")),
		"Fired":     getter(zeroResult),
		"Is":        getter(zeroResult),
		"Pending":   getter(zeroResult),
		"Duration":  getter(zeroResult),
		"Timeout":   getter(gives(true)).onNil(gives(false)),
		"Temporary": getter(gives(false)).onNil(gives(false)),
		"Start": affine(usable).undoing(func(recv reflect.Value) {
			recv.MethodByName("Cancel").Call(nil)
		}),
		"Unwrap": getter(usable),
	}},
	"scheduler.Waiter": {typ: reflect.TypeFor[scheduler.Waiter](), methods: map[string]zcase{
		"Get":      affine(fails(canceled)).cancelled(),
		"Hub":      getter(zeroResult),
		"Ready":    getter(zeroResult),
		"SetLabel": noop(),
		"Switch":   noop(),
		"Throw":    noop(),
		// The zero Waiter is bound to no hub and holds nothing.
		"TryGet": everywhere(fails(is(scheduler.ErrNotReady))).onNil(fails(nilArg)),
		"Clear":  everywhere(usable).onNil(fails(nilArg)),
	}},
	"scheduler.Waker": {typ: reflect.TypeFor[scheduler.Waker](), methods: map[string]zcase{
		"Fire": noop(),
	}},
	"scheduler.deadlineError": {made: expiredContextError, methods: map[string]zcase{
		"Error":     everywhere(gives("context deadline exceeded")),
		"Is":        everywhere(zeroResult),
		"Temporary": everywhere(gives(true)),
		"Timeout":   everywhere(gives(true)),
	}},
	"scheduler.timeoutCanceled": {made: timeoutCanceledError, methods: map[string]zcase{
		"Error":     everywhere(gives("context canceled: timeout")),
		"Is":        everywhere(zeroResult),
		"Temporary": everywhere(gives(false)),
		"Timeout":   everywhere(gives(true)),
		"Unwrap":    everywhere(fails(is(scheduler.ErrTimeout))),
	}},
	"scheduler.BlockedGreenlet": {typ: reflect.TypeFor[scheduler.BlockedGreenlet](), why: "plain fields of a LoopExitError: nothing to call"},
	"scheduler.Stats":           {typ: reflect.TypeFor[scheduler.Stats](), why: "plain fields: nothing to call"},
	"scheduler.Overrun":         {typ: reflect.TypeFor[scheduler.Overrun](), why: "plain fields of a SwitchError: nothing to call"},
	"scheduler.HubInfo":         {typ: reflect.TypeFor[scheduler.HubInfo](), why: "plain fields of a snapshot: nothing to call"},
	"scheduler.GreenletInfo":    {typ: reflect.TypeFor[scheduler.GreenletInfo](), why: "plain fields of a snapshot: nothing to call"},
	"scheduler.LinkID":          {typ: reflect.TypeFor[scheduler.LinkID](), why: "a number: Unlink gets the zero one"},
	"scheduler.SpawnCallbackID": {typ: reflect.TypeFor[scheduler.SpawnCallbackID](), why: "a number: RemoveSpawnCallback gets the zero one"},
	"scheduler.Joinable":        {why: "an interface: JoinAll gets nil ones"},
	"scheduler.Killable":        {why: "an interface: KillAll and KillAllAsync get nil ones"},
	"scheduler.Linkable":        {why: "an interface: Wait and IWait get nil ones"},
	"scheduler.Runnable":        {why: "an interface: Group.Add, Discard and Contains get a nil one"},

	"event.AsyncResult": {typ: reflect.TypeFor[event.AsyncResult[int]](), live: liveAsyncResult, methods: merge(
		names("Err Hub LinkCount Ready Successful Value", getter(zeroResult).onLive(usable)),
		names("Set SetError Unlink", noop()),
		map[string]zcase{
			"Get":     affine(fails(canceled)).cancelled().onLive(gives(1)),
			"Wait":    affine(fails(canceled)).cancelled().onLive(usable),
			"Rawlink": getter(zeroResult).onLive(zeroResult),
			"TryGet":  everywhere(fails(is(scheduler.ErrNotReady))).onNil(fails(nilArg)).onLive(gives(1)),
		},
	)},
	"event.Error": {typ: reflect.TypeFor[event.Error](), methods: opErrorMethods(
		gives("event: : <nil>"), gives("event: <nil>"))},
	"event.Event": {typ: reflect.TypeFor[event.Event](), live: liveEvent, methods: merge(
		names("Hub IsSet LinkCount Ready", getter(zeroResult).onLive(usable)),
		names("Clear Set Unlink", noop()),
		map[string]zcase{
			"Rawlink": getter(zeroResult).onLive(zeroResult),
			"Wait":    affine(fails(canceled)).cancelled().onLive(usable),
		},
	)},
	"event.Links": {typ: reflect.TypeFor[event.Links](), methods: merge(
		names("CheckAndNotify NotifyAny Unlink", noop()),
		names("Hub Len Rawlink", getter(zeroResult)),
		map[string]zcase{
			"Check": affine(usable),
			// A nil owner: nothing to wait for.
			"Wait":     everywhere(fails(nilArg)),
			"WaitCore": everywhere(fails(nilArg)),
		},
	)},

	"lock.Semaphore":        {typ: reflect.TypeFor[lock.Semaphore](), methods: semaphoreMethods(usable)},
	"lock.BoundedSemaphore": {typ: reflect.TypeFor[lock.BoundedSemaphore](), methods: semaphoreMethods(fails(is(lock.ErrReleasedTooManyTimes)))},
	"lock.DummySemaphore": {typ: reflect.TypeFor[lock.DummySemaphore](), methods: merge(
		// Always free, from anywhere.
		names("Acquire", everywhere(usable)),
		names("Locked", getter(zeroResult)),
		names("Ready TryAcquire", getter(gives(true))),
		names("Rawlink", getter(zeroResult)),
		names("Unlink", noop()),
		names("Release Wait", everywhere(gives(1))),
	)},
	"lock.Lock": {typ: reflect.TypeFor[lock.Lock](), methods: merge(
		names("Acquire", affine(usable)),
		names("Hub Rawlink", getter(zeroResult)),
		// A nil lock cannot be taken: Locked, not Ready.
		names("Locked", getter(zeroResult).onNil(gives(true))),
		names("Ready", getter(gives(true)).onNil(zeroResult)),
		names("Unlink", noop()),
		map[string]zcase{
			"Release":    affine(fails(is(lock.ErrReleasedTooManyTimes))),
			"TryAcquire": getter(gives(true)).inGoroutine(gives(false)),
		},
	)},
	"lock.RLock": {typ: reflect.TypeFor[lock.RLock](), methods: merge(
		names("Acquire", affine(usable)),
		names("Count IsOwned", getter(zeroResult)),
		names("Locked", getter(zeroResult).onNil(gives(true))),
		map[string]zcase{
			"Release":    affine(fails(is(lock.ErrNotHeld))),
			"TryAcquire": getter(gives(true)).inGoroutine(gives(false)),
		},
	)},
	"lock.Error": {typ: reflect.TypeFor[lock.Error](), methods: opErrorMethods(
		gives("lock: : <nil>"), gives("lock: <nil>"))},

	"pool.Group": {typ: reflect.TypeFor[pool.Group](), methods: groupMethods()},
	"pool.Pool": {typ: reflect.TypeFor[pool.Pool](), methods: merge(groupMethods(), map[string]zcase{
		// The zero Pool is unbounded: gevent's Pool(None), whose
		// free_count is 1.
		"Add":           affine(fails(nilArg)).inGoroutine(fails(notGreenlet)),
		"FreeCount":     getter(gives(1)),
		"Full":          getter(gives(false)).onNil(gives(true)),
		"Size":          getter(gives(pool.Unbounded)).onNil(gives(pool.Unbounded)),
		"Start":         affine(fails(nilArg)),
		"TryAdd":        affine(fails(nilArg)),
		"TryStart":      affine(fails(nilArg)),
		"WaitAvailable": affine(gives(1)),
	})},
	"pool.Error": {typ: reflect.TypeFor[pool.Error](), methods: opErrorMethods(
		gives("pool: : <nil>"), gives("pool: <nil>"))},
	"pool.poolFull": {made: func() any { return pool.ErrPoolFull }, methods: map[string]zcase{
		"Error": everywhere(gives("pool full")),
		"Is":    everywhere(zeroResult),
	}},
	"pool.ImapOption": {typ: reflect.TypeFor[pool.ImapOption](), why: "an option value: Imap and ImapUnordered get none; ImapMaxSize, which makes one, is walked"},
	"pool.Startable":  {why: "an interface: Group.Start, Pool.Start and TryStart get a nil one"},
	"pool.Spawner":    {why: "an interface: Spawn, TrySpawn, Apply, Map and Imap get a nil one"},

	"queue.Queue":         {typ: reflect.TypeFor[queue.Queue[int]](), methods: queueMethods()},
	"queue.JoinableQueue": {typ: reflect.TypeFor[queue.JoinableQueue[int]](), methods: merge(queueMethods(), joinableMethods())},
	"queue.Channel": {typ: reflect.TypeFor[queue.Channel[int]](), methods: map[string]zcase{
		"All":      affine(fails(canceled)).cancelled(),
		"Balance":  getter(zeroResult),
		"Get":      affine(fails(canceled)).cancelled(),
		"Getters":  getter(zeroResult),
		"Put":      affine(fails(canceled)).cancelled(),
		"Putters":  getter(zeroResult),
		"Shutdown": noop(),
		"TryGet":   affine(fails(is(queue.ErrEmpty))),
		"TryPut":   affine(fails(is(queue.ErrFull))),
	}},
	"queue.Error": {typ: reflect.TypeFor[queue.Error](), methods: opErrorMethods(
		gives("queue: : <nil>"), gives("queue: <nil>"))},

	// The zero Resolver and a nil *Resolver are both the default one.
	"resolver.Resolver": {typ: reflect.TypeFor[resolver.Resolver](), methods: map[string]zcase{
		"GetAddrInfo":   resolverCall(as[net.UnknownNetworkError]()),
		"GetHostByName": resolverCall(as[*net.DNSError]()),
		"LookupAddr":    resolverCall(as[*net.DNSError]()),
		"LookupCNAME":   resolverCall(as[*net.DNSError]()),
		"LookupHost":    resolverCall(as[*net.DNSError]()),
		"LookupIP":      resolverCall(as[net.UnknownNetworkError]()),
		"LookupIPAddr":  resolverCall(as[*net.DNSError]()),
		"LookupMX":      resolverCall(as[*net.DNSError]()),
		"LookupNS":      resolverCall(as[*net.DNSError]()),
		"LookupNetIP":   resolverCall(as[net.UnknownNetworkError]()),
		"LookupSRV":     resolverCall(as[*net.DNSError]()),
		"LookupTXT":     resolverCall(as[*net.DNSError]()),
		// An empty service is port 0, as for net.LookupPort.
		"LookupPort": resolverCall().onLive(gives(0)),
	}},
	"resolver.Error": {typ: reflect.TypeFor[resolver.Error](), methods: merge(
		errorMethods(gives("resolver: : <nil>"), gives("resolver: <nil>")),
		names("Temporary Timeout", everywhere(zeroResult)))},
	"resolver.AddrInfo": {typ: reflect.TypeFor[resolver.AddrInfo](), why: "plain fields of GetAddrInfo's answer: nothing to call"},

	// The zero servers have no socket: ErrNilArgument, anywhere.
	"server.StreamServer": {typ: reflect.TypeFor[server.StreamServer](), live: liveStreamServer, methods: merge(
		names("Addr Closed Full Len Listener Started", getter(zeroResult).onLive(usable)),
		names("Close Start", everywhere(fails(nilArg)).onLive(usable)),
		map[string]zcase{
			"Serve":    everywhere(fails(nilArg)).noLiveCall("serves until closed: the server's own tests stop it"),
			"Shutdown": everywhere(fails(nilArg)).onLive(usable),
		},
	)},
	"server.DatagramServer": {typ: reflect.TypeFor[server.DatagramServer](), live: liveDatagramServer, methods: merge(
		names("Addr Closed Full Len Started", getter(zeroResult).onLive(usable)),
		names("Close Start", everywhere(fails(nilArg)).onLive(usable)),
		map[string]zcase{
			"SendTo":   everywhere(fails(nilArg)),
			"Serve":    everywhere(fails(nilArg)).noLiveCall("serves until closed: the server's own tests stop it"),
			"Shutdown": everywhere(fails(nilArg)).onLive(usable),
		},
	)},
	"server.Error": {typ: reflect.TypeFor[server.Error](), methods: opErrorMethods(
		gives("server: : <nil>"), gives("server: <nil>"))},
	"server.Options": {typ: reflect.TypeFor[server.Options](), why: "plain fields: the servers' constructors get the zero Options"},

	// A zero socket fails every call with ErrBadFD (and net.ErrClosed),
	// from anywhere; a nil one with ErrBadFD or ErrNilArgument.
	"socket.Conn": {typ: reflect.TypeFor[socket.Conn](), live: liveConn, methods: merge(
		sockMethods(),
		names("CloseRead CloseWrite", sockCall(usable)),
		names("Read Write", sockCall(gives(0))),
		// Empty buffers on a socketpair: no wait, nothing sent.
		names("ReadMsgUnix WriteMsgUnix", sockCall(usable)),
		map[string]zcase{
			// A nil reader: refused before the socket is looked at.
			"ReadFrom": everywhere(fails(nilArg)),
			// A socketpair is AF_UNIX: no TCP_NODELAY.
			"SetNoDelay": sockCall(fails(is(syscall.EOPNOTSUPP))),
		},
	)},
	"socket.Listener": {typ: reflect.TypeFor[socket.Listener](), methods: merge(
		sockMethods(),
		names("Accept AcceptConn", sockCall(usable)),
		names("Addr", getter(zeroResult)),
		names("SetUnlinkOnClose", noop()),
	)},
	"socket.PacketConn": {typ: reflect.TypeFor[socket.PacketConn](), methods: merge(
		sockMethods(),
		names("Read ReadFrom ReadDatagram ReadMsgUnix Write WriteMsgUnix WriteTo", sockCall(usable)),
	)},
	"socket.Dialer": {typ: reflect.TypeFor[socket.Dialer](), methods: map[string]zcase{
		"Dial":        affine(fails(as[net.UnknownNetworkError]())),
		"DialContext": affine(fails(as[net.UnknownNetworkError]())),
	}},
	"socket.ListenConfig": {typ: reflect.TypeFor[socket.ListenConfig](), methods: map[string]zcase{
		"Listen":       affine(fails(as[net.UnknownNetworkError]())),
		"ListenPacket": affine(fails(as[net.UnknownNetworkError]())),
	}},
	"socket.PollFD": {typ: reflect.TypeFor[socket.PollFD](), why: "plain fields: Poll and TryPoll get a nil slice of them"},
	"socket.fileAddr": {made: fileAddr, methods: map[string]zcase{
		"Network": everywhere(gives("file+net")),
		"String":  everywhere(usable),
	}},
	// A socket's RawConn, made on a socketpair closed since: every call says so.
	"socket.rawConn": {made: closedRawConn, methods: map[string]zcase{
		"Control": everywhere(fails(is(net.ErrClosed))),
		"Read":    everywhere(fails(is(net.ErrClosed))),
		"Write":   everywhere(fails(is(net.ErrClosed))),
	}},
	"socket.closedError": {made: func() any { return socket.ErrClosed }, methods: map[string]zcase{
		"Error": everywhere(usable),
		"Is":    everywhere(zeroResult),
	}},
	"socket.timeoutError": {made: func() any { return socket.ErrTimeout }, methods: map[string]zcase{
		"Error":     everywhere(usable),
		"Is":        everywhere(zeroResult),
		"Temporary": everywhere(gives(true)),
		"Timeout":   everywhere(gives(true)),
	}},
	"socket.zeroError": {made: func() any { return causeNamed((&socket.Conn{}).Close(), "zeroError") }, methods: map[string]zcase{
		"Error": everywhere(usable),
		"Is":    everywhere(zeroResult),
	}},
	"socket.failed": {made: failedConn, methods: merge(
		names("Accept Close Read ReadFrom SetDeadline SetReadDeadline SetWriteDeadline Write WriteTo",
			everywhere(fails(is(scheduler.ErrHubDestroyed)))),
		names("Addr LocalAddr RemoteAddr", everywhere(usable)),
	)},

	"subprocess.Cmd": {typ: reflect.TypeFor[subprocess.Cmd](), methods: merge(
		// The zero Cmd has no exec.Cmd: no command.
		names("CombinedOutput Output Run Start StderrPipe StdinPipe StdoutPipe TryWait Wait WaitContext Communicate", everywhere(fails(nilArg))),
		names("Environ String", getter(zeroResult)),
	)},
	"subprocess.Error": {typ: reflect.TypeFor[subprocess.Error](), methods: opErrorMethods(
		gives("subprocess: : <nil>"), gives("subprocess: <nil>"))},

	"threadpool.ThreadPool": {typ: reflect.TypeFor[threadpool.ThreadPool](), methods: map[string]zcase{
		"Close":   everywhere(usable).onNil(fails(nilArg)),
		"Join":    affine(usable),
		"Len":     getter(zeroResult),
		"SetSize": everywhere(fails(is(threadpool.ErrInvalidSize))).onNil(fails(nilArg)),
		"Size":    getter(gives(threadpool.DefaultSize)).onNil(gives(0)),
	}},
	"threadpool.Result": {typ: reflect.TypeFor[threadpool.Result[int]](), methods: merge(
		names("Err Hub Ready Successful Value Rawlink", getter(zeroResult)),
		names("Unlink", noop()),
		map[string]zcase{
			"Get":    affine(fails(canceled)).cancelled(),
			"TryGet": everywhere(fails(is(scheduler.ErrNotReady))).onNil(fails(nilArg)),
		},
	)},
	"threadpool.Error": {typ: reflect.TypeFor[threadpool.Error](), methods: opErrorMethods(
		gives("threadpool: : <nil>"), gives("threadpool: <nil>"))},
	"threadpool.ImapOption": {typ: reflect.TypeFor[threadpool.ImapOption](), why: "an option value: Imap and ImapUnordered get none; ImapMaxSize, which makes one, is walked"},

	"gsignal.Handler": {typ: reflect.TypeFor[gsignal.Handler](), methods: map[string]zcase{
		"Stop": everywhere(fails(nilArg)),
	}},
	"gsignal.SignalError": {typ: reflect.TypeFor[gsignal.SignalError](), methods: map[string]zcase{
		"Error":  everywhere(gives("gsignal: interrupted by signal: signal 0")).onNil(gives("gsignal: <nil>")),
		"Unwrap": everywhere(fails(is(gsignal.ErrInterrupted))),
	}},
	"gsignal.Error": {typ: reflect.TypeFor[gsignal.Error](), methods: opErrorMethods(
		gives("gsignal: : <nil>"), gives("gsignal: <nil>"))},

	// The zero File and a nil one have no descriptor: every call fails with
	// ErrBadFD (which matches ErrClosed), even given a nil context; a live
	// File is the read end of a Pipe.
	"fileobject.File": {typ: reflect.TypeFor[fileobject.File](), live: livePipe, methods: merge(
		names("Name Threaded", getter(zeroResult).onLive(usable)),
		names("Fd", getter(gives(-1)).onNil(gives(-1)).onLive(usable)),
		names("Close Read Write WriteString SetDeadline SetReadDeadline SetWriteDeadline Stat",
			everywhere(fails(is(fileobject.ErrBadFD))).onLive(usable)),
		// The live File is a pipe: it cannot seek (ESPIPE) nor be truncated (EINVAL).
		names("Seek", everywhere(fails(is(fileobject.ErrBadFD))).onLive(fails(is(syscall.ESPIPE)))),
		names("Truncate", everywhere(fails(is(fileobject.ErrBadFD))).onLive(fails(is(syscall.EINVAL)))),
		names("ReadContext WriteContext StatContext", everywhere(fails(is(fileobject.ErrBadFD))).onLive(usable).
			nilCtx(fails(nilArg, is(fileobject.ErrBadFD)), fails(nilArg, notGreenlet, is(fileobject.ErrBadFD)))),
		names("SeekContext", everywhere(fails(is(fileobject.ErrBadFD))).onLive(fails(is(syscall.ESPIPE))).
			nilCtx(fails(nilArg, is(fileobject.ErrBadFD)), fails(nilArg, notGreenlet, is(fileobject.ErrBadFD)))),
		names("TruncateContext", everywhere(fails(is(fileobject.ErrBadFD))).onLive(fails(is(syscall.EINVAL))).
			nilCtx(fails(nilArg, is(fileobject.ErrBadFD)), fails(nilArg, notGreenlet, is(fileobject.ErrBadFD)))),
	)},
	"fileobject.closedError": {made: func() any { return fileobject.ErrClosed }, methods: map[string]zcase{
		"Error": everywhere(gives("file already closed")),
		"Is":    everywhere(zeroResult),
	}},
	"fileobject.timeoutError": {made: func() any { return fileobject.ErrTimeout }, methods: map[string]zcase{
		"Error":   everywhere(gives("i/o timeout")),
		"Is":      everywhere(zeroResult),
		"Timeout": everywhere(gives(true)),
	}},
	"fileobject.zeroError": {made: func() any { return causeNamed((&fileobject.File{}).Close(), "zeroError") }, methods: map[string]zcase{
		"Error": everywhere(usable),
		"Is":    everywhere(zeroResult),
	}},
	"fileobject.Error": {typ: reflect.TypeFor[fileobject.Error](), methods: merge(
		errorMethods(gives("fileobject: : <nil>"), gives("fileobject: <nil>")),
		map[string]zcase{"Timeout": getter(zeroResult)},
	)},

	// The zero Server serves http.DefaultServeMux; a nil one refuses.
	"ghttp.Server": {typ: reflect.TypeFor[ghttp.Server](), methods: map[string]zcase{
		"ListenAndServe": affine(usable).noZeroHubCall("the zero Server listens on :http and serves until closed"),
		// An empty certificate file is read before anything else.
		"ListenAndServeTLS":    everywhere(fails(as[*fs.PathError]())).onNil(fails(nilArg)),
		"Serve":                everywhere(fails(nilArg)),
		"ServeTLS":             everywhere(fails(nilArg)),
		"Shutdown":             affine(usable),
		"Close":                affine(usable),
		"RegisterOnShutdown":   noop(),
		"SetKeepAlivesEnabled": noop(),
	}},
	"ghttp.Transport": {typ: reflect.TypeFor[ghttp.Transport](), methods: map[string]zcase{
		"RoundTrip":            everywhere(fails(nilArg)),
		"CloseIdleConnections": noop(),
	}},
	"ghttp.Error": {typ: reflect.TypeFor[ghttp.Error](), methods: merge(
		errorMethods(gives("ghttp: : <nil>"), gives("ghttp: <nil>")),
		map[string]zcase{"Timeout": getter(zeroResult)},
	)},
	"ghttp.serverClosed": {made: func() any { return ghttp.ErrServerClosed }, methods: map[string]zcase{
		"Error": everywhere(gives("server closed")),
		"Is":    everywhere(zeroResult),
	}},
}

// zeroUnreachable lists the unexported types that declare exported methods
// the walk does not make, with why: no caller can reach them, or only a
// request or connection in progress hands them out.
var zeroUnreachable = map[string]string{
	"event.linkPanic":        "the report of an Event link that panicked: only the hub's error handler is handed one",
	"greenlet.unwind":        "the panic value that unwinds a greenlet stopped by KillAll: recovered by the package, never handed to a caller",
	"socket.netFD":           "the descriptor behind a socket, held in an unexported field: callers reach it only through the socket's methods",
	"socket.fileKind":        "the kind of socket a File function takes: formatted into its error's text, never handed out",
	"scheduler.lateDeadline": "the view of its context WaitContext waits on once the hub's timer saw the deadline first: armed by the wait, never handed out",
	// ghttp's values that only serving or making a request hands out (its
	// differential test against net/http calls their methods).
	"ghttp.response":             "the http.ResponseWriter of a request being served",
	"ghttp.bodyEOF":              "the Body of a served request that has none",
	"ghttp.bodyTracker":          "the Body of a served request",
	"ghttp.expectContinueReader": "the Body of a served request that expects 100-continue",
	"ghttp.switchedBody":         "the Body of a 101 Switching Protocols response",
	"ghttp.chunkWriter":          "the chunked encoder under a response being served",
	"ghttp.connReader":           "the reader under a served connection",
	"ghttp.connWriter":           "the writer under a served connection",
	"ghttp.connBuf":              "the write buffer under a served connection",
	"ghttp.pcReader":             "the reader under a client connection",
	"ghttp.recordingBody":        "the wrapper the Transport puts around a request body it sends",
	"ghttp.errReader":            "the rest of a probed request body whose first Read failed",
	"ghttp.pcWriter":             "the writer under a client connection",
	"ghttp.gzipBody":             "the Body of a response the Transport decodes from gzip",
	"ghttp.eofReader":            "the empty stream a pooled gzip decoder is reset to",
	"ghttp.tlsSocket":            "the socket under a served TLS connection (a hijacked *tls.Conn's NetConn)",
	"ghttp.tlsClientSocket":      "the socket under a Transport's TLS connection",
	"ghttp.statusError":          "the error a served request answers with a status, never returned",
	"ghttp.timeoutError":         "the error of a client request whose deadline passed",
	"ghttp.deadlineError":        "the error of a served connection whose deadline passed",
	"ghttp.timeoutWriter":        "the http.ResponseWriter a TimeoutHandler's handler gets (its test against net/http's calls its methods)",
}

// names gives each of the space-separated method names the same case.
func names(list string, c zcase) map[string]zcase {
	m := map[string]zcase{}
	for _, n := range strings.Fields(list) {
		m[n] = c
	}
	return m
}

// merge joins method maps; a later map's case replaces an earlier one's.
func merge(ms ...map[string]zcase) map[string]zcase {
	out := map[string]zcase{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// cevWatcher is a watcher's methods: the common ones, plus the
// space-separated ones that return an error (errs) or a value (gets).
func cevWatcher(errs, gets string, fd ...string) map[string]zcase {
	invalid := everywhere(fails(is(cev.ErrInvalid)))
	m := merge(
		names("Close Invoke SetPriority Start Stop "+errs, invalid),
		names("ClearPending IsActive IsPending Loop Priority "+gets, everywhere(zeroResult)),
	)
	for _, n := range fd {
		m[n] = everywhere(gives(-1))
	}
	return m
}

// errorMethods is an error type's Error and Unwrap: the zero value's text,
// a nil pointer's, and no cause.
func errorMethods(zero, nilp want) map[string]zcase {
	return map[string]zcase{
		"Error":  everywhere(zero).onNil(nilp),
		"Unwrap": everywhere(usable),
	}
}

// opErrorMethods is errorMethods plus Timeout, of a package's *Error (Op and
// Err): the zero value's has no cause, so no timeout.
func opErrorMethods(zero, nilp want) map[string]zcase {
	return merge(errorMethods(zero, nilp), map[string]zcase{"Timeout": getter(zeroResult)})
}

// semaphoreMethods is Semaphore's and BoundedSemaphore's: the zero value is
// a free semaphore of 1, bound to the first hub that uses it.
func semaphoreMethods(release want) map[string]zcase {
	return merge(
		names("Acquire", affine(usable)),
		names("Hub LinkCount Rawlink", getter(zeroResult)),
		names("Counter", getter(gives(1)).onNil(zeroResult)),
		// A nil semaphore cannot be acquired: Locked, not Ready.
		names("Locked", getter(zeroResult).onNil(gives(true))),
		names("Ready", getter(gives(true)).onNil(zeroResult)),
		names("Unlink", noop()),
		map[string]zcase{
			"Release":    affine(release),
			"TryAcquire": getter(gives(true)).inGoroutine(gives(false)),
			"Wait":       affine(gives(1)),
		},
	)
}

// groupMethods is Group's: the zero value is an empty group.
func groupMethods() map[string]zcase {
	return merge(
		names("Contains Full Greenlets Len", getter(zeroResult)),
		names("Join Kill KillAsync", affine(usable)),
		names("Add Discard KillOne KillOneAsync Start", affine(fails(nilArg))),
		map[string]zcase{
			// Without a limit: one more can always be added.
			"FreeCount":     getter(gives(1)),
			"WaitAvailable": affine(gives(1)),
		},
	)
}

// queueMethods is Queue's: the zero value is an empty unbounded FIFO.
func queueMethods() map[string]zcase {
	return merge(
		names("All Get Peek", affine(fails(canceled)).cancelled()),
		names("Getters IsShutdown Len MaxSize Putters", getter(zeroResult)),
		// A nil queue holds nothing and has no room.
		names("Empty", getter(gives(true)).onNil(gives(true))),
		names("Full", getter(zeroResult).onNil(gives(true))),
		names("Put TryPut", affine(usable)),
		names("Shutdown", noop()),
		names("TryGet TryPeek", affine(fails(is(queue.ErrEmpty)))),
		// SetMaxSize(0) makes the queue unbounded, as it was.
		names("SetMaxSize", affine(usable)),
		// A copy of an empty queue; nil for a nil queue or a foreign
		// goroutine, as Copy documents (it returns no error).
		names("Copy", getter(usable).inGoroutine(noCopy).onNil(noCopy).following(copied)),
	)
}

// errNoCopy is the error copied makes of a Copy that gave nil.
var errNoCopy = errors.New("the copy is nil")

// noCopy is the want of a Copy that must give nil.
var noCopy = fails(is(errNoCopy))

// copied is a Copy's follow: a nil copy is errNoCopy.
func copied(out []reflect.Value) error {
	if out[0].IsNil() {
		return errNoCopy
	}
	return nil
}

// joinableMethods is what JoinableQueue adds to Queue's.
func joinableMethods() map[string]zcase {
	return map[string]zcase{
		"Join":       affine(usable),
		"TaskDone":   affine(fails(is(queue.ErrTaskDone))),
		"Unfinished": getter(zeroResult),
	}
}

// resolverCall is a lookup of an empty name: in a hub the net.Resolver's
// answer (ms, or no error), from a plain goroutine ErrNotGreenlet; a nil
// *Resolver is the zero one.
func resolverCall(ms ...match) zcase {
	w := usable
	if len(ms) > 0 {
		w = fails(ms...)
	}
	c := affine(w)
	c.nilHub, c.nilGoes = c.hub, c.goes
	return c
}

// sockMethods is what Conn, Listener and PacketConn share (their embedded
// sock's): a zero socket fails with ErrBadFD, Fd is -1 and the addresses
// nil; Shared returns a net.Conn whose calls fail alike; File's copy of a
// live socket's descriptor is closed after the call.
func sockMethods() map[string]zcase {
	return merge(
		names("Close SetDeadline SetReadBuffer SetReadDeadline SetWriteBuffer SetWriteDeadline SyscallConn", sockCall(usable)),
		names("LocalAddr RemoteAddr", getter(zeroResult).onLive(usable)),
		map[string]zcase{
			"Fd":     getter(gives(-1)).onNil(gives(-1)).onLive(usable),
			"File":   sockCall(usable).releasing(closeAll),
			"Shared": getter(usable).onNil(usable),
		},
	)
}

// sockCall is a socket call: ErrBadFD on a zero socket, anywhere; ErrBadFD
// or ErrNilArgument on a nil one; live on a socket of a socketpair.
// closedRawConn is the RawConn of a socket of a socketpair closed since (on a hub of its own).
// The walk makes one in a greenlet, in a hub callback and on a plain goroutine, where it starts a
// hub for it.
func closedRawConn() any {
	var rc syscall.RawConn
	mk := func() error {
		a, b, err := socket.Socketpair()
		if err != nil {
			return err
		}
		rc, err = a.SyscallConn()
		_ = a.Close()
		_ = b.Close()
		return err
	}
	if scheduler.CurrentHub() != nil {
		_ = mk()
	} else {
		_ = scheduler.Main(mk)
	}
	return rc
}

// fileAddr is the address of a File function's error: the file's name.
func fileAddr() any {
	_, err := socket.FileConn(os.Stdin)
	var oe *net.OpError
	if !errors.As(err, &oe) {
		return nil
	}
	return oe.Addr
}

func sockCall(live want) zcase {
	return everywhere(fails(is(socket.ErrBadFD))).onNil(fails(is(socket.ErrBadFD), nilArg)).onLive(live)
}

// causeNamed digs the error of the unexported type named out of err's
// chain (a zero socket's or File's zeroError).
func causeNamed(err error, name string) any {
	for ; err != nil; err = errors.Unwrap(err) {
		if reflect.TypeOf(err).Name() == name {
			return err
		}
	}
	return nil
}
