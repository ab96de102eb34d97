package socket_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/scheduler"
)

// bg bounds the waits that have no limit of their own.
var bg = context.Background()

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pollUntil polls cond from a greenlet, sleeping a millisecond between tries, until it holds or
// ctx ends.
func pollUntil(ctx context.Context, cond func() bool) error {
	for !cond() {
		if err := scheduler.Sleep(ctx, time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}
