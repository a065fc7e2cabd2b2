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

// usage is a server's CPU time (user + system) and allocation count.
type usage struct {
	cpu     time.Duration
	mallocs uint64
}

// serverUsage asks the server for its CPU time (its own rusage) and
// allocation count.
func serverUsage(s *server) (usage, error) {
	answer, err := s.Ask("stats")
	if err != nil {
		return usage{}, err
	}
	var cpu int64
	var u usage
	if _, err := fmt.Sscanf(answer, "stats %d %d", &cpu, &u.mallocs); err != nil {
		return usage{}, fmt.Errorf("server %s: %q: %w", s.Kind, answer, err)
	}
	u.cpu = time.Duration(cpu)
	return u, nil
}
