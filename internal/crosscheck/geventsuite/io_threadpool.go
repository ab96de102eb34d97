package geventsuite

import (
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

func init() {
	register("io_threadpool", ioThreadpool)
}

// ioThreadpool: gevent's hub.threadpool is threadpool.Default(); the
// functions block their worker goroutine with time.Sleep, as the Python
// ones block their thread with time.sleep.
func ioThreadpool(t *crosscheck.T) {
	pool := threadpool.Default()
	ticker := scheduler.Spawn(func() (none, error) {
		for i := range 2 {
			if err := scheduler.Sleep(bg, 50*ms); err != nil {
				return none{}, err
			}
			t.Println("tick", i)
		}
		return none{}, nil
	})
	t.Println("apply start")
	v, err := threadpool.Apply(bg, pool, func() (int, error) {
		time.Sleep(300 * ms)
		return 42, nil
	})
	unexpected(t, "apply", err)
	t.Println("apply result", v)
	unexpected(t, "join", ticker.Join(bg))
	r := threadpool.Spawn(pool, func() (int, error) { return 7 * 6, nil })
	t.Println("spawned ready", py(r.Ready()))
	v, err = r.Get(bg)
	unexpected(t, "get", err)
	t.Println("spawn get", v)
	_, err = threadpool.Spawn(pool, func() (int, error) {
		time.Sleep(10 * ms)
		return 0, errBoom
	}).Get(bg)
	if err != nil {
		t.Println("spawn error", err)
	} else {
		t.Println("not reached")
	}
	sq, err := threadpool.Map(bg, pool, func(x int) (int, error) { return x * x, nil }, []int{1, 2, 3})
	unexpected(t, "map", err)
	t.Printf("map [%d, %d, %d]", sq[0], sq[1], sq[2])
}
