//go:build race

package contract_test

// sampleEvery: under the race detector the real-spec sweep takes every
// 8th operation (the full sweep runs without -race).
const sampleEvery = 8
