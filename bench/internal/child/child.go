// Package child runs a benchmark's servers as processes of their own: the
// benchmark re-executes itself with an environment variable naming the
// server to be, so each server's CPU time is its own process's, free of
// the load generator's.
//
// The protocol is lines: the child prints "ready URL" once it listens, then
// answers each line it reads on stdin with one line, until stdin closes.
//
//	p, err := child.Start("stub", "FAULTLINE_BENCH_SERVER=stub")
//	defer p.Stop()
//	answer, err := p.Ask("stats") // "stats CPU-NS MALLOCS"
package child

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Process is a running child server.
type Process struct {
	Kind string // what the child serves, for error messages
	URL  string // where it listens, from its "ready URL" line

	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

// Start re-executes this program with env (NAME=VALUE pairs) added to its
// environment and waits for the child's "ready URL" line. The child's
// stderr (its request log) goes to /dev/null: written, as a terminal or a
// file would be, but never read.
func Start(kind string, env ...string) (*Process, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), env...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{Kind: kind, cmd: cmd, in: in, out: bufio.NewScanner(stdout)}
	if !p.out.Scan() || !strings.HasPrefix(p.out.Text(), "ready ") {
		p.Stop()
		return nil, fmt.Errorf("server %s did not start", kind)
	}
	p.URL = strings.TrimPrefix(p.out.Text(), "ready ")
	return p, nil
}

// Stop closes the child's stdin, which ends it, and waits for it to exit;
// after five seconds it kills it.
func (p *Process) Stop() {
	_ = p.in.Close()
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// Ask sends the child one line and returns its one-line answer.
func (p *Process) Ask(line string) (string, error) {
	if _, err := io.WriteString(p.in, line+"\n"); err != nil {
		return "", err
	}
	if !p.out.Scan() {
		return "", fmt.Errorf("server %s stopped answering", p.Kind)
	}
	return p.out.Text(), nil
}
