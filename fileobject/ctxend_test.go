package fileobject_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/scheduler"
)

// ctxCall is a call bounded by a context that waits until the context ends.
type ctxCall struct {
	op   string
	call func(context.Context) error
}

// checkCtxEnds checks that each call, with a context done at the call and with one whose
// deadline passes during the wait, fails with an *Error naming it whose cause is
// scheduler.ContextError's error itself (it wraps nothing), not the error of the wait that saw
// the end, which names that wait ("fileobject: File.SeekContext data: scheduler: Waiter.Get: context canceled").
func checkCtxEnds(t *testing.T, calls []ctxCall) {
	t.Helper()
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	timed := func() context.Context {
		ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	for _, c := range calls {
		for _, end := range []struct {
			how  string
			ctx  context.Context
			want error
		}{{"done at the call", cancelled, context.Canceled}, {"deadline during the wait", timed(), scheduler.ErrTimeout}} {
			err := c.call(end.ctx)
			assert.ErrorIs(t, err, end.want, "%s, %s", c.op, end.how)
			var fe *fileobject.Error
			if assert.ErrorAs(t, err, &fe, "%s, %s", c.op, end.how) {
				assert.Equal(t, c.op, fe.Op, end.how)
				assert.Nil(t, errors.Unwrap(fe.Err), "%s, %s: %q", c.op, end.how, err)
			}
		}
	}
}

// TestContextEndIsTheCallsOwn: every call of a File bounded by a context reports the context's
// end as its own, in poll mode (a pipe nobody writes, one nobody reads) and in thread mode (a
// regular file whose calls wait behind a busy worker and a write still pending on it).
func TestContextEndIsTheCallsOwn(t *testing.T) {
	t.Run("poll", func(t *testing.T) {
		run(t, func() error {
			r, rw, err := fileobject.Pipe() // nobody writes
			require.NoError(t, err)
			wr, w, err := fileobject.Pipe() // nobody reads
			require.NoError(t, err)
			defer func() { _, _, _, _ = r.Close(), rw.Close(), wr.Close(), w.Close() }()
			for { // fill the pipe
				n, err := w.WriteContext(cancelledCtx(), make([]byte, 1<<16))
				if err != nil {
					require.ErrorIs(t, err, context.Canceled)
					break
				}
				require.Positive(t, n)
			}
			checkCtxEnds(t, []ctxCall{
				{"File.ReadContext", func(ctx context.Context) error { _, err := r.ReadContext(ctx, make([]byte, 1)); return err }},
				{"File.WriteContext", func(ctx context.Context) error { _, err := w.WriteContext(ctx, []byte("x")); return err }},
			})
			return nil
		})
	})
	t.Run("thread", func(t *testing.T) {
		f := seekFile(t)
		require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
			defer f.Close()
			release := holdWorker(t)
			defer release()
			wr := spawnIO(func() (int, error) { return f.Write([]byte("!")) })
			waitParked(t, wr)
			require.NoError(t, wr.Kill(bg, nil))
			checkCtxEnds(t, []ctxCall{
				{"File.ReadContext", func(ctx context.Context) error { _, err := f.ReadContext(ctx, make([]byte, 1)); return err }},
				{"File.WriteContext", func(ctx context.Context) error { _, err := f.WriteContext(ctx, []byte("x")); return err }},
				{"File.SeekContext", func(ctx context.Context) error { _, err := f.SeekContext(ctx, 0, io.SeekStart); return err }},
				{"File.TruncateContext", func(ctx context.Context) error { return f.TruncateContext(ctx, 4) }},
				{"File.StatContext", func(ctx context.Context) error { _, err := f.StatContext(ctx); return err }},
			})
			release()
			_, err := f.StatContext(guardCtx(t)) // collects what the ended calls left on the worker
			return err
		}))
	})
}

// cancelledCtx is a context that is done already.
func cancelledCtx() context.Context {
	ctx, cancel := context.WithCancel(bg)
	cancel()
	return ctx
}
