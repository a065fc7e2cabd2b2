//go:build !unix

package journal

func processCPU() int64 { return 0 }
