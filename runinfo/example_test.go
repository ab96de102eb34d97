package runinfo_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"

	"github.com/geventgo/geventgo/runinfo"
)

// Register mounts the live view at /debug/greenlets, here beside
// net/http/pprof's index.
func ExampleRegister() {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	if err := runinfo.Register(mux); err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/greenlets", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output:
	// 200 text/plain; charset=utf-8
}
