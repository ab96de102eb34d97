package ctxwait

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// deadline stands for scheduler's deadline error: it matches
// context.DeadlineExceeded without being it.
type deadline struct{}

func (deadline) Error() string        { return "context deadline exceeded" }
func (deadline) Is(target error) bool { return target == context.DeadlineExceeded }
func wrapped(err error) error         { return fmt.Errorf("scheduler: Waiter.Get: %w", err) }
func errKill() error                  { return errors.New("killed") }
func ctxDone() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
func ctxPast() (context.Context, func()) {
	return context.WithDeadline(context.Background(), time.Now().Add(-time.Hour))
}

func TestEnded(t *testing.T) {
	live, cancel := context.WithCancel(context.Background())
	defer cancel()
	past, cancelPast := ctxPast()
	defer cancelPast()
	future, cancelFuture := context.WithTimeout(context.Background(), time.Hour)
	defer cancelFuture()
	for _, c := range []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{"no error is no end", ctxDone(), nil, false},
		{"a done ctx's own error", ctxDone(), context.Canceled, true},
		{"the same, wrapped on the way up", ctxDone(), wrapped(context.Canceled), true},
		{"a kill's error while ctx is done is no end", ctxDone(), errKill(), false},
		{"a kill with context.Canceled while ctx is live is a kill", live, context.Canceled, false},
		{"a deadline's error once the deadline passed", past, deadline{}, true},
		{"a deadline's error before the deadline is a kill", future, deadline{}, false},
		{"a deadline's error without a deadline is a kill", live, context.DeadlineExceeded, false},
	} {
		assert.Equal(t, c.want, Ended(c.ctx, c.err), c.name)
	}
}

func TestErr(t *testing.T) {
	assert.Equal(t, context.Canceled, Err(context.Canceled, wrapped(deadline{})), "ctx's error when it reports one")
	assert.Equal(t, deadline{}, Err(nil, wrapped(deadline{})), "else the innermost error the wait got")
	assert.Equal(t, deadline{}, Err(nil, deadline{}))
}
