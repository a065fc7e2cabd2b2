package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// server is a bench/fault child serving one kind of server.
type server struct {
	kind string
	url  string
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
}

// startServer re-executes this program as a server of kind.
func startServer(kind, upstream string) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+kind, childEnv+"_UPSTREAM="+upstream)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// stderr (the request log) goes to /dev/null: written, as a terminal
	// or a file would be, but never read.
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{kind: kind, cmd: cmd, in: in, out: bufio.NewScanner(stdout)}
	if !s.out.Scan() || !strings.HasPrefix(s.out.Text(), "ready ") {
		s.stop()
		return nil, fmt.Errorf("server %s did not start", kind)
	}
	s.url = strings.TrimPrefix(s.out.Text(), "ready ")
	return s, nil
}

func (s *server) stop() {
	_ = s.in.Close()
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// usage is a server's CPU time (user + system) and allocation count.
type usage struct {
	cpu     time.Duration
	mallocs uint64
}

// usage asks the server for its CPU time (its own rusage) and allocation
// count.
func (s *server) usage() (usage, error) {
	if _, err := io.WriteString(s.in, "stats\n"); err != nil {
		return usage{}, err
	}
	if !s.out.Scan() {
		return usage{}, fmt.Errorf("server %s stopped answering", s.kind)
	}
	var cpu int64
	var u usage
	if _, err := fmt.Sscanf(s.out.Text(), "stats %d %d", &cpu, &u.mallocs); err != nil {
		return usage{}, fmt.Errorf("server %s: %q: %w", s.kind, s.out.Text(), err)
	}
	u.cpu = time.Duration(cpu)
	return u, nil
}
