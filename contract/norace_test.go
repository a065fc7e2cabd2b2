//go:build !race

package contract_test

// sampleEvery: without the race detector the sweep takes every operation.
const sampleEvery = 1
