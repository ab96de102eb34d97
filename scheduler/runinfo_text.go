package scheduler

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// WriteRunInfo writes RunInfo's snapshot of every hub to w as text, each
// hub's greenlets drawn as a tree by spawner, like gevent's
// print_run_info. Goroutine-safe, with RunInfo's contract. It returns
// ErrNilArgument for a nil ctx or w, RunInfo's error (after writing what
// was gathered) and w's error.
func WriteRunInfo(ctx context.Context, w io.Writer) error {
	return writeRunInfo(ctx, "WriteRunInfo", w, false)
}

// WriteRunInfoStacks is WriteRunInfo with each greenlet's stack under it,
// from RunInfoStacks (gevent's print_run_info with greenlet_stacks).
func WriteRunInfoStacks(ctx context.Context, w io.Writer) error {
	return writeRunInfo(ctx, "WriteRunInfoStacks", w, true)
}

func writeRunInfo(ctx context.Context, op string, w io.Writer, stacks bool) error {
	if ctx == nil || w == nil {
		return opErr(op, ErrNilArgument)
	}
	infos, err := gather(ctx, op, liveHubs(), stacks)
	bw := bufio.NewWriter(w)
	for i := range infos {
		writeHub(bw, &infos[i])
	}
	if werr := bw.Flush(); werr != nil && err == nil {
		err = opErr(op, werr)
	}
	return err
}

// writeHub writes one hub's snapshot.
func writeHub(w *bufio.Writer, hi *HubInfo) {
	fmt.Fprintf(w, "Hub %d (owner goroutine %d)", hi.ID, hi.Owner)
	if hi.Err != nil {
		fmt.Fprintf(w, ": did not answer: %v\n", hi.Err)
		if hi.Running != "" {
			fmt.Fprintf(w, "  held by %s when last seen by the blocking detector\n", hi.Running)
		}
	} else {
		s := hi.Stats
		fmt.Fprintf(w, ": %s running\n", hi.Running)
		fmt.Fprintf(w, "  loop: %s, depth %d, %d iterations, %d switches, %d callbacks run, %d queued\n",
			hi.Backend, hi.LoopDepth, s.Iterations, s.Switches, s.CallbacksRun, s.PendingCallbacks)
		fmt.Fprintf(w, "  watchers: %d open, %d pending; %d keep the loop alive (watchers and references); %d live greenlets, %d idle workers\n",
			hi.Watchers, hi.PendingWatchers, hi.ActiveWatchers, s.LiveGreenlets, hi.IdleWorkers)
	}
	pool := "default"
	if hi.ThreadpoolSize > 0 {
		pool = fmt.Sprint(hi.ThreadpoolSize)
	}
	blocking := "off"
	if hi.BlockingThreshold > 0 {
		blocking = hi.BlockingThreshold.String()
	}
	stacks := "off"
	if hi.RecordSpawnStacks {
		stacks = "on"
	}
	fmt.Fprintf(w, "  config: switch interval %v, blocking threshold %s, thread pool size %s, spawn stacks %s\n",
		hi.SwitchInterval, blocking, pool, stacks)
	for i := range hi.Greenlets {
		writeGreenlet(w, &hi.Greenlets[i], nil)
	}
	w.WriteByte('\n')
}

// maxDrawnDepth bounds the indentation of the tree: a chain of thousands
// of greenlets each spawned by the previous one would otherwise take
// quadratic space; deeper lines say their depth instead.
const maxDrawnDepth = 32

// writeGreenlet writes g and its children; rails says, for g and each of
// its ancestors below the root, whether a sibling follows it.
func writeGreenlet(w *bufio.Writer, g *GreenletInfo, rails []bool) {
	w.WriteString("  ")
	if len(rails) > 0 {
		w.WriteString(drawRails(rails[:len(rails)-1], len(rails)) + "+--- ")
	}
	w.WriteString(g.Name + ": " + g.State)
	switch {
	case g.WaitingOn == "":
	case g.State == "scheduled":
		w.WriteString(" by " + g.WaitingOn) // "scheduled by SpawnLater 1m0s"
	default:
		w.WriteString(" on " + g.WaitingOn)
	}
	if g.Goroutine != 0 {
		fmt.Fprintf(w, " (goroutine %d)", g.Goroutine)
	}
	w.WriteByte('\n')
	detail := "  " + drawRails(rails, len(rails))
	if len(g.Children) > 0 {
		detail += "|"
	} else {
		detail += " "
	}
	if len(g.SpawnedAt) > 0 {
		w.WriteString(detail + "      spawned at:\n")
	}
	for _, f := range g.SpawnedAt {
		w.WriteString(detail + "        " + f + "\n")
	}
	if g.Stack != "" {
		w.WriteString(detail + "      stack:\n")
		for line := range strings.SplitSeq(g.Stack, "\n") {
			w.WriteString(detail + "        " + line + "\n")
		}
	}
	// rails is a stack: a child's append overwrites its previous
	// sibling's entry, so a deep chain costs its depth once, not squared.
	for i := range g.Children {
		writeGreenlet(w, &g.Children[i], append(rails, i < len(g.Children)-1))
	}
}

// drawRails draws the rails of a line of a greenlet at depth (a root's
// children are at 1): a bar where a sibling of that ancestor follows.
func drawRails(rails []bool, depth int) string {
	var b strings.Builder
	if len(rails) > maxDrawnDepth {
		fmt.Fprintf(&b, "[depth %d] ", depth)
		rails = rails[len(rails)-maxDrawnDepth:]
	}
	for _, more := range rails {
		if more {
			b.WriteString("|    ")
		} else {
			b.WriteString("     ")
		}
	}
	return b.String()
}
