// Package faults holds fault-injection tests across geventgo's packages: panics, Goexit, a blocked hub, foreign goroutines, fds closed under watchers, kills in every blocking operation and hub destruction, each checked for its documented error and for leaks.
package faults
