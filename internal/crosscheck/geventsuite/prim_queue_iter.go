package geventsuite

import (
	"errors"
	"iter"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("prim_queue_iter", primQueueIter)
}

// primQueueIter: ranging over Queue.All / Channel.All is gevent's "for item
// in queue". Shutdown is the end marker (gevent's StopIteration item) and
// ends the loop cleanly; a kill or an outer Timeout is yielded as the error,
// which the body returns as the exception would propagate.
func primQueueIter(t *crosscheck.T) {
	consume := func(name string, all iter.Seq2[string, error]) func() error {
		return func() error {
			for v, err := range all {
				if err != nil {
					if errors.Is(err, scheduler.ErrGreenletExit) {
						t.Println(name, "GreenletExit out of the loop")
					}
					return err
				}
				t.Println(name, "got", v)
			}
			t.Println(name, "loop ended")
			return nil
		}
	}
	// left: an item put now stays in the queue unless a getter was left
	// behind.
	left := func(q *queue.Queue[string]) int {
		unexpected(t, "put", q.Put(bg, "x"))
		unexpected(t, "sleep", scheduler.Sleep(bg, 0))
		return q.Len()
	}

	q := queue.New[string](0)
	a := scheduler.Go(consume("a", q.All(bg)))
	unexpected(t, "put", q.Put(bg, "1"))
	unexpected(t, "put", q.Put(bg, "2"))
	q.Shutdown()
	unexpected(t, "join", a.Join(bg))
	t.Println("a successful", py(a.Successful()))

	q = queue.New[string](0)
	b := scheduler.Go(consume("b", q.All(bg)))
	unexpected(t, "put", q.Put(bg, "3"))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "kill", b.Kill(bg, nil))
	t.Println("b successful", py(b.Successful()), "left", left(q))

	c := queue.NewChannel[string]()
	d := scheduler.Go(consume("d", c.All(bg)))
	unexpected(t, "put", c.Put(bg, "4"))
	c.Shutdown()
	unexpected(t, "join", d.Join(bg))
	t.Println("d successful", py(d.Successful()), "balance", c.Balance())

	c = queue.NewChannel[string]()
	e := scheduler.Go(consume("e", c.All(bg)))
	unexpected(t, "put", c.Put(bg, "5"))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "kill", e.Kill(bg, nil))
	t.Println("e successful", py(e.Successful()), "balance", c.Balance())

	q = queue.New[string](0)
	unexpected(t, "put", q.Put(bg, "6"))
	to := scheduler.NewTimeout(10*ms, nil)
	unexpected(t, "timeout", to.Start())
	var err error
	for v, gerr := range q.All(bg) {
		if gerr != nil {
			err = gerr
			break
		}
		t.Println("main got", v)
	}
	to.Cancel()
	switch {
	case errors.Is(err, to):
		t.Println("Timeout out of the loop, left", left(q))
	case err == nil:
		t.Println("main loop ended")
	default:
		unexpected(t, "loop", err)
	}
}
