// Package geventsuite holds the Go twins of the gevent cross-check scenarios,
// each checked against a Python gevent script in testdata/.
package geventsuite
