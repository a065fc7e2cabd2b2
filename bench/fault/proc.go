package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
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

// usage reads the server's CPU time from /proc and asks it for its
// allocation count.
func (s *server) usage() (usage, error) {
	cpu, err := procCPU(s.cmd.Process.Pid)
	if err != nil {
		return usage{}, err
	}
	if _, err := io.WriteString(s.in, "stats\n"); err != nil {
		return usage{}, err
	}
	if !s.out.Scan() {
		return usage{}, fmt.Errorf("server %s stopped answering", s.kind)
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(s.out.Text(), "mallocs "), 10, 64)
	return usage{cpu: cpu, mallocs: n}, err
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's times: 100 on Linux.
const clockTick = 10 * time.Millisecond

// procCPU returns a process's user + system CPU time so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("CPU time per request needs Linux's /proc: %w", err)
	}
	// The command name (field 2) may hold spaces: count from its ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("unreadable /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("unreadable /proc stat")
	}
	return time.Duration(utime+stime) * clockTick, nil
}
