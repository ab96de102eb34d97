// Package runinfo serves the scheduler's live view of every hub over HTTP
// (scheduler.RunInfo; gevent's print_run_info): each hub's greenlets as a
// tree by spawner, their states and what each waits on, the loop's
// counters and the hub's settings. Mount it at Path beside
// net/http/pprof's handlers:
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("/debug/pprof/", pprof.Index)
//	if err := runinfo.Register(mux); err != nil { ... }
//
// GET Path answers text/plain, as scheduler.WriteRunInfo writes it;
// GET Path?format=json answers the snapshots as JSON (durations in
// nanoseconds, a hub that did not answer with its "error"). Adding
// stacks=1 (any value strconv.ParseBool takes) gives each greenlet the
// stack where it waits (scheduler.RunInfoStacks), at the cost of one dump
// of every goroutine's stack, as net/http/pprof's goroutine?debug=2. A hub busy in
// a CPU loop does not hold the request for more than
// scheduler.RunInfoTimeout.
//
// The handler lives apart from the scheduler, which does not import
// net/http, in a package of its own named for what it serves, as
// net/http/pprof is; unlike pprof, importing it registers nothing: the
// program chooses the mux (and whether to expose it at all).
//
// Handler and Register may be called from any goroutine, and the handler
// may serve from any goroutine: a net/http server's, or a greenlet of a
// cooperative server (its own hub is then read in place).
package runinfo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/geventgo/geventgo/scheduler"
)

// Path is where Register mounts the handler.
const Path = "/debug/greenlets"

// ErrConflict is Register's error when the mux already has a pattern that
// conflicts with Path.
var ErrConflict = errors.New("pattern conflicts with a registered one")

// Handler returns the handler of the live view (see the package doc).
func Handler() http.Handler { return http.HandlerFunc(serve) }

// Register mounts Handler at Path on mux. It returns an error matching
// scheduler.ErrNilArgument for a nil mux and ErrConflict when the mux
// already serves a conflicting pattern (where ServeMux.Handle panics).
func Register(mux *http.ServeMux) (err error) {
	if mux == nil {
		return fmt.Errorf("runinfo: Register: %w", scheduler.ErrNilArgument)
	}
	defer func() {
		// ServeMux.Handle checks for conflicts before it registers
		// anything, so the mux is unchanged after its panic.
		if r := recover(); r != nil {
			err = fmt.Errorf("runinfo: Register: %w: %v", ErrConflict, r)
		}
	}()
	mux.Handle(Path, Handler())
	return nil
}

// hubJSON is a snapshot as JSON: HubInfo's Err as text.
type hubJSON struct {
	scheduler.HubInfo
	Error string `json:"error,omitempty"`
}

func serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "runinfo: method "+r.Method+" not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	stacks := false
	if v := q.Get("stacks"); v != "" {
		var perr error
		if stacks, perr = strconv.ParseBool(v); perr != nil {
			http.Error(w, fmt.Sprintf("runinfo: stacks=%q is not a boolean", v), http.StatusBadRequest)
			return
		}
	}
	var body bytes.Buffer
	var err error
	contentType := "text/plain; charset=utf-8"
	switch format := q.Get("format"); format {
	case "", "text":
		write := scheduler.WriteRunInfo
		if stacks {
			write = scheduler.WriteRunInfoStacks
		}
		err = write(r.Context(), &body)
	case "json":
		contentType = "application/json"
		err = writeJSON(r, &body, stacks)
	default:
		http.Error(w, fmt.Sprintf("runinfo: unknown format %q (text or json)", format), http.StatusBadRequest)
		return
	}
	if err != nil {
		// The request's context was cancelled: nobody reads the answer.
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(body.Bytes())
}

// writeJSON writes the snapshots of every hub as a JSON array.
func writeJSON(r *http.Request, body *bytes.Buffer, stacks bool) error {
	runInfo := scheduler.RunInfo
	if stacks {
		runInfo = scheduler.RunInfoStacks
	}
	infos, err := runInfo(r.Context())
	if err != nil {
		return err
	}
	out := make([]hubJSON, len(infos))
	for i, hi := range infos {
		out[i].HubInfo = hi
		if hi.Err != nil {
			out[i].Error = hi.Err.Error()
		}
	}
	enc := json.NewEncoder(body)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
