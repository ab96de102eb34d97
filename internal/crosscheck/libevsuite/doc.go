// Package libevsuite holds the Go twins of the libev cross-check scenarios,
// each checked against a C program using libev 4.33 in testdata/.
package libevsuite
