// Package greenletsuite holds the Go twins of the greenlet cross-check
// scenarios, each checked against a Python greenlet script in testdata/.
package greenletsuite
