package main

import (
	"fmt"
	"time"

	"github.com/faultline-dev/faultline/bench/internal/child"
)

// server is a bench/fault child serving one kind of server.
type server = child.Process

// startServer re-executes this program as a server of kind.
func startServer(kind, upstream string) (*server, error) {
	return child.Start(kind, childEnv+"="+kind, childEnv+"_UPSTREAM="+upstream)
}

// usage is a server's CPU time (user + system), allocation count, garbage
// collection cycles and the runtime's estimate of the collector's CPU time.
type usage struct {
	cpu, gcCPU   time.Duration
	mallocs, gcs uint64
}

// serverUsage asks the server for its CPU time (its own rusage),
// allocation count and garbage collections.
func serverUsage(s *server) (usage, error) {
	answer, err := s.Ask("stats")
	if err != nil {
		return usage{}, err
	}
	var cpu, gcCPU int64
	var u usage
	if _, err := fmt.Sscanf(answer, "stats %d %d %d %d", &cpu, &u.mallocs, &u.gcs, &gcCPU); err != nil {
		return usage{}, fmt.Errorf("server %s: %q: %w", s.Kind, answer, err)
	}
	u.cpu, u.gcCPU = time.Duration(cpu), time.Duration(gcCPU)
	return u, nil
}

// minus is what the server used between o and u.
func (u usage) minus(o usage) usage {
	return usage{cpu: u.cpu - o.cpu, gcCPU: u.gcCPU - o.gcCPU, mallocs: u.mallocs - o.mallocs, gcs: u.gcs - o.gcs}
}
