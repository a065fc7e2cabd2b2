// Package verdict is how a bench program reports: a line per target,
// PASS or FAIL, and an exit status that says whether every target was met.
//
//	ok := verdict.Print(os.Stdout, ratio >= 0.95, "ratio %.3fx (target >= 0.95x)", ratio)
//	os.Exit(verdict.ExitCode(ok, err))
package verdict

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// Print writes "PASS  line" or "FAIL  line" to w and returns ok.
func Print(w io.Writer, ok bool, format string, args ...any) bool {
	word := "PASS"
	if !ok {
		word = "FAIL"
	}
	fmt.Fprintf(w, "%s  %s\n", word, fmt.Sprintf(format, args...))
	return ok
}

// ExitCode is 0 when every target is met, 1 when one is missed, 2 when the
// benchmark could not run (err).
func ExitCode(ok bool, err error) int {
	switch {
	case err != nil:
		return 2
	case !ok:
		return 1
	}
	return 0
}

// CPUProfile starts a CPU profile of this process written to path; call
// the returned function to stop it and close the file.
func CPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
