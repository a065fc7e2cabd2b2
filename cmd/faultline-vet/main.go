// Command faultline-vet runs faultline's audit rules under go vet, for
// build systems and editors that already drive vet:
//
//	go install github.com/faultline-dev/faultline/cmd/faultline-vet
//	go vet -vettool=$(which faultline-vet) ./...
//
// It reports the same Go findings as `faultline audit` (each message ends
// with what to do, and //faultline:ignore RULE reason silences one), without
// severities, reports or the Python/JavaScript heuristics.
package main

import (
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/faultline-dev/faultline/audit"
)

func main() { unitchecker.Main(audit.Analyzers()...) }
