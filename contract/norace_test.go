//go:build !race

package contract_test

// raceDetector: see race_test.go.
const raceDetector = false

// defaultEvery: without the race detector the sweep takes every operation
// (make test's run takes every 8th: -realworld.every 8).
const defaultEvery = 1
