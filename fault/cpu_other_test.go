//go:build !unix

package fault_test

// processCPU is not measured without getrusage: cpu-ns/op reads 0.
func processCPU() int64 { return 0 }
