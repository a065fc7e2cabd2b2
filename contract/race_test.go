//go:build race

package contract_test

// raceDetector: the large real specs are not swept under -race. The race
// detector makes libopenapi's parsing and schema compilation of a large
// spec 10-16 times slower (OpenAI's 3 MB spec loads in 49 s instead of 3 s
// at load 14, and its sweep took 3 minutes), and those tests have no
// concurrency of their own; make test runs them again without -race
// (go test -run 'TestRealSpecs|TestVerifyRealCassette' ./contract/
// -realworld.every 8). The small spec is still swept under -race.
const raceDetector = true

// defaultEvery: under the race detector the sweep takes every 8th operation.
const defaultEvery = 8
