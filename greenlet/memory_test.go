package greenlet

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

type memSample struct{ sys, stack, heap uint64 }

func sampleMem() memSample {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{ms.Sys, ms.StackInuse, ms.HeapInuse}
}

// suspendMany starts n greenlets that each suspend once, returning the
// memory they hold while suspended and after KillAll.
//
// leftover is heap and stack still in use after Close, per greenlet: the
// runtime keeps the g struct of every exited goroutine on its free list for
// reuse (about 450 B each) and never frees it, so leftover is not zero,
// but a second round reuses those g structs instead of growing.
func suspendMany(tb testing.TB, n int) (perGreenlet, leftover float64, stack, heap float64) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		m := Current()
		park := func(any) (any, error) {
			_, err := m.Switch(nil)
			return nil, err
		}
		before := sampleMem()
		gs := make([]*Greenlet, n)
		for i := range gs {
			gs[i] = New(park)
			if _, err := gs[i].Switch(nil); err != nil {
				tb.Error(err)
				return
			}
		}
		during := sampleMem()
		if err := m.Close(); err != nil {
			tb.Error(err)
		}
		gs = nil
		after := sampleMem()
		stack = float64(during.stack-before.stack) / float64(n)
		heap = float64(during.heap-before.heap) / float64(n)
		perGreenlet = stack + heap
		leftover = (float64(after.stack+after.heap) - float64(before.stack+before.heap)) / float64(n)
	}()
	<-done
	return
}

// TestMemoryPerSuspendedGreenlet checks that a suspended greenlet is small
// (its coroutine's minimal stack plus bookkeeping) and that KillAll gives
// the memory back.
func TestMemoryPerSuspendedGreenlet(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100k coroutines")
	}
	if raceEnabled {
		t.Skip("the race detector doubles coroutine stacks")
	}
	const n = 100_000
	base := sampleMem()
	per, left, stack, heap := suspendMany(t, n)
	t.Logf("per suspended greenlet: %.0f B (stack %.0f, heap %.0f); left after Close: %.0f B", per, stack, heap, left)
	require.LessOrEqual(t, per, 4096.0)
	afterFirst := sampleMem()
	_, _, _, _ = suspendMany(t, n)
	afterSecond := sampleMem()
	t.Logf("stack in use: base %d, after round 1 %d, after round 2 %d; heap in use: base %d, %d, %d",
		base.stack, afterFirst.stack, afterSecond.stack, base.heap, afterFirst.heap, afterSecond.heap)
	// Stacks come back; what stays is the runtime's g free list, reused by
	// the second round rather than grown.
	require.Less(t, float64(afterFirst.stack)-float64(base.stack), 64.0*n)
	growth := float64(afterSecond.stack+afterSecond.heap) - float64(afterFirst.stack+afterFirst.heap)
	require.Less(t, growth, 64.0*n)
}

// BenchmarkSuspendedGreenletMemory reports the bytes one suspended greenlet
// holds (stack + heap in use) and what is left per greenlet after Close.
func BenchmarkSuspendedGreenletMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		per, left, stack, heap := suspendMany(b, 100_000)
		b.ReportMetric(per, "B/greenlet")
		b.ReportMetric(stack, "stackB/greenlet")
		b.ReportMetric(heap, "heapB/greenlet")
		b.ReportMetric(left, "leftB/greenlet")
	}
}
