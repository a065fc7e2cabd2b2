package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// The environment an external client receives. The program makes the calls
// in FAULTLINE_CALLS (a JSON list of {method, path, headers, body, count,
// concurrency, pace_ns, timeout_ns}) against FAULTLINE_URL and exits 0 when
// it considers the calls handled, non-zero with a message on stderr when
// it gives up.
const (
	EnvURL      = "FAULTLINE_URL"
	EnvAdminURL = "FAULTLINE_ADMIN_URL"
	EnvScenario = "FAULTLINE_SCENARIO"
	EnvSeed     = "FAULTLINE_SEED"
	EnvCalls    = "FAULTLINE_CALLS"
)

const outputTail = 8 << 10

// DefaultStartupGrace is how long an external client may take to start (an
// interpreter on a loaded machine) before its first request, on top of its
// timeout, unless Options.StartupGrace says otherwise: the timeout itself
// counts from the first request.
const DefaultStartupGrace = 30 * time.Second

var errKilled = errors.New("the client's time ran out")

// runExec runs the external client in dir ("": faultline's own) and waits
// for it, killing it (and its process group) when timeout has passed since
// its first request (first reports it), or timeout plus grace since it
// started when it has made none.
func runExec(ctx context.Context, sc *Scenario, argv []string, dir, baseURL string, seed int64, timeout, grace time.Duration, first func() (time.Time, bool), env []string) *ExecResult {
	calls, _ := json.Marshal(sc.Client.Calls)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go watchdog(ctx, cancel, time.Now(), timeout, grace, first)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), EnvURL+"="+baseURL, EnvAdminURL+"=", EnvScenario+"="+sc.Name,
		EnvSeed+"="+strconv.FormatInt(seed, 10), EnvCalls+"="+string(calls))
	cmd.Env = append(append(cmd.Env, authEnv(sc.Plan, baseURL)...), env...)
	if sc.Client.Exec != nil {
		for k, v := range sc.Client.Exec.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var stdout, stderr tailBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	killTree(cmd)
	cmd.WaitDelay = time.Second
	start := time.Now()
	err := cmd.Run()
	endTree(cmd)
	res := &ExecResult{Duration: time.Since(start), Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case errors.Is(context.Cause(ctx), errKilled):
		res.TimedOut, res.ExitCode = true, -1
	case ctx.Err() != nil: // the run was interrupted (SIGINT), not the client
		res.Err, res.ExitCode = fmt.Errorf("interrupted: %w", ctx.Err()), -1
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	case err != nil:
		res.Err, res.ExitCode = err, -1
	}
	return res
}

// watchdog cancels ctx with errKilled when the client's time is up.
func watchdog(ctx context.Context, kill context.CancelCauseFunc, started time.Time, timeout, grace time.Duration, first func() (time.Time, bool)) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		deadline := started.Add(timeout + grace)
		if at, ok := first(); ok {
			deadline = at.Add(timeout)
		}
		if !time.Now().Before(deadline) {
			kill(errKilled)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tailBuffer keeps the last outputTail bytes written to it.
type tailBuffer struct{ bytes.Buffer }

func (t *tailBuffer) Write(p []byte) (int, error) {
	n, _ := t.Buffer.Write(p)
	if over := t.Len() - outputTail; over > 0 {
		t.Next(over)
	}
	return n, nil
}
