// Package soak holds long-running soak tests (built only with -tags soak, run by `make soak`) proving that memory, goroutines and file descriptors return to their baseline after a million greenlets, 100k timers and 10k connections.
package soak
