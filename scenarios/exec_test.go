package scenarios

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/report"
)

// buildExecClient builds testdata/execclient into dir.
func buildExecClient(t *testing.T, dir string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a program; skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the external client with")
	}
	bin := filepath.Join(dir, "execclient")
	out, err := exec.Command(goBin, "build", "-o", bin, "./testdata/execclient").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// writeScenario writes a scenario file into dir and loads it.
func writeScenario(t *testing.T, dir, name, src string) *Scenario {
	t.Helper()
	file := filepath.Join(dir, name+".yaml")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
	sc, err := LoadFile(file)
	require.NoError(t, err)
	return sc
}

// runScenario runs one scenario the way Run does, so its status is set.
func runScenario(t *testing.T, sc *Scenario, opts Options) report.Scenario {
	t.Helper()
	run, err := Run(context.Background(), []*Scenario{sc}, opts)
	require.NoError(t, err)
	require.Len(t, run.Scenarios, 1)
	logScenario(t, run.Scenarios[0])
	return run.Scenarios[0]
}

// runKilled runs a scenario whose client hangs forever unless the runner
// kills it: returning at all shows it was killed. The 60s bound is for a
// runner that never kills (a failure, not a timing check).
func runKilled(t *testing.T, sc *Scenario, opts Options) report.Scenario {
	t.Helper()
	done := make(chan report.Scenario, 1)
	go func() {
		run, err := Run(context.Background(), []*Scenario{sc}, opts)
		if assert.NoError(t, err) && assert.Len(t, run.Scenarios, 1) {
			done <- run.Scenarios[0]
		}
		close(done)
	}()
	select {
	case res, ok := <-done:
		require.True(t, ok, "the run failed")
		logScenario(t, res)
		return res
	case <-time.After(60 * time.Second):
		t.Fatal("the hanging client was not killed within 60s")
	}
	return report.Scenario{}
}

func checkNamed(t *testing.T, res report.Scenario, name string) report.Check {
	t.Helper()
	for _, c := range res.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s check in %+v", name, res.Checks)
	return report.Check{}
}

func logScenario(t *testing.T, res report.Scenario) {
	t.Helper()
	t.Logf("%s: %s %s", res.Name, res.Status, res.Error)
	for _, c := range res.Checks {
		t.Logf("  %s %s: expected %s, observed %s; %s %v", c.Status, c.Name, c.Expected, c.Observed, c.Message, c.Evidence)
	}
	for _, e := range res.Evidence {
		t.Logf("  %s", e)
	}
}

// TestExecClient runs a real program as the client against a real fault
// upstream.
func TestExecClient(t *testing.T) {
	dir := t.TempDir()
	bin := buildExecClient(t, dir)
	ctx := context.Background()

	t.Run("receives the environment", func(t *testing.T) {
		// The routes answer only requests that carry what the client was
		// given: its scenario's name, its seed and its env; anything
		// else gets the upstream's 404, which makes the client exit 1.
		sc := writeScenario(t, dir, "env", `version: 1
name: exec-env
seed: 4242
timeout: 10s
upstream:
  routes:
    - method: GET
      path: /v1/echo
      headers: {X-Client-Id: exec-env, X-Mark: from-file}
      query: {seed: "4242"}
      respond: {status: 200, json: {ok: true}}
    - method: POST
      path: /v1/orders
      headers: {X-Api-Version: "2", X-Client-Id: exec-env}
      query: {seed: "4242"}
      respond: {status: 201, json: {id: ord_1}}
client:
  exec:
    command: [./execclient]
    env: {EXECCLIENT_MARK: from-file}
  calls:
    - {method: GET, path: /v1/echo, count: 2}
    - {method: POST, path: /v1/orders, headers: {X-Api-Version: "2"}}
checks:
  - outcome: success
  - attempts: 1
`)
		res := runScenario(t, sc, Options{Seed: 1})
		assert.Equal(t, report.Passed, res.Status)
		assert.Empty(t, res.Error)
		assert.Equal(t, "1, 1, 1 across 3 calls", checkNamed(t, res, "attempts").Observed)
		got := strings.Join(res.Evidence, "\n")
		assert.Equal(t, 2, strings.Count(got, "GET /v1/echo -> 200"), got)
		assert.Equal(t, 1, strings.Count(got, "POST /v1/orders -> 201"), got)
	})

	t.Run("a derived seed and --exec", func(t *testing.T) {
		want := SeedFor(&Scenario{Name: "exec-derived-seed"}, 9)
		sc := writeScenario(t, dir, "derived", fmt.Sprintf(`version: 1
name: exec-derived-seed
upstream:
  routes:
    - path: /v1/echo
      query: {seed: "%d"}
      respond: {status: 200}
client:
  calls:
    - {path: /v1/echo}
checks:
  - outcome: success
`, want))
		again := func(sc *Scenario) string { return "again " + sc.Name } // the CLI's line: cmd's TestRunCommand
		res := runScenario(t, sc, Options{Seed: 9, Exec: []string{bin}, Reproduce: again})
		assert.Equal(t, report.Passed, res.Status)
		assert.Equal(t, "again exec-derived-seed", res.Reproduce)

		res = runScenario(t, sc, Options{Seed: 10, Exec: []string{bin}})
		assert.Equal(t, report.Failed, res.Status, "another run seed is another scenario seed")
		assert.Contains(t, checkNamed(t, res, "outcome").Evidence, "stderr: execclient: GET /v1/echo: status 404")
	})

	t.Run("gives up with a message", func(t *testing.T) {
		sc := writeScenario(t, dir, "fail", `version: 1
name: exec-gives-up
upstream:
  routes:
    - path: /v1/x
client:
  exec: {command: [./execclient, fail]}
  calls:
    - {path: /v1/x}
checks:
  - outcome: success
  - error_mentions: "503 three times"
  - outcome: {expect: failure, within: 5s}
`)
		res := runScenario(t, sc, Options{})
		assert.Equal(t, report.Failed, res.Status)
		require.Len(t, res.Checks, 3)
		assert.Equal(t, report.Failed, res.Checks[0].Status)
		assert.Contains(t, res.Checks[0].Observed, "exit 3")
		assert.Equal(t, []string{"stderr: execclient: gave up: the upstream said 503 three times"}, res.Checks[0].Evidence)
		assert.Equal(t, report.Passed, res.Checks[1].Status, "the error is visible to error_mentions")
		assert.Equal(t, report.Passed, res.Checks[2].Status, "a clear failure in time is what failure expects")
	})

	t.Run("a hang is killed at the scenario timeout", func(t *testing.T) {
		sc := writeScenario(t, dir, "hang", `version: 1
name: exec-hangs
timeout: 300ms
upstream:
  routes:
    - path: /v1/balance
      respond: {status: 200}
      faults:
        - hang:
client:
  exec: {command: [./execclient, hang]}
  calls:
    - {path: /v1/balance}
checks:
  - outcome: no_hang
  - timeout_respected: 5s
  - max_duration: 5s
`)
		start := time.Now()
		res := runKilled(t, sc, Options{}) // the client never ends by itself
		assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "killed at the timeout, not before")
		assert.Equal(t, report.Failed, res.Status)
		outcome := checkNamed(t, res, "outcome")
		assert.Equal(t, report.Failed, outcome.Status)
		assert.Contains(t, outcome.Observed, "it hung")
		tr := checkNamed(t, res, "timeout_respected")
		assert.Equal(t, report.Failed, tr.Status, "within 5s is no excuse for a client that was killed")
		assert.Equal(t, "the client was still waiting when the scenario's time ran out", tr.Message)
		assert.Equal(t, report.Failed, checkNamed(t, res, "max_duration").Status)
		assert.Contains(t, strings.Join(res.Evidence, "\n"), "GET /v1/balance", "the upstream saw the call that hung")
	})

	t.Run("client.exec.timeout is shorter than the scenario's", func(t *testing.T) {
		sc := writeScenario(t, dir, "exec-timeout", `version: 1
name: exec-own-timeout
timeout: 30m
upstream:
  routes:
    - path: /v1/balance
      faults:
        - hang:
client:
  exec: {command: [./execclient, hang], timeout: 300ms}
  calls:
    - {path: /v1/balance}
checks:
  - outcome: no_hang
`)
		res := runKilled(t, sc, Options{}) // within 60s: at the exec timeout, not the scenario's 30m
		assert.Contains(t, checkNamed(t, res, "outcome").Observed, "it hung")
	})

	t.Run("the client's own children are killed too", func(t *testing.T) {
		if _, err := os.Stat("/proc/self/stat"); err != nil {
			t.Skip("needs /proc")
		}
		pidFile := filepath.Join(t.TempDir(), "pid")
		// The shell writes its child's pid, then makes its request (the
		// runner's clock starts there), then waits for the child: the pid
		// is written before the timeout can run out, however slowly the
		// shell starts. (It must still be running when killed: the group
		// is killed by cancelling the shell, which does nothing once the
		// shell has exited.)
		sc := writeScenario(t, dir, "children", fmt.Sprintf(`version: 1
name: exec-children
timeout: 300ms
upstream:
  routes:
    - path: /v1/x
      respond: {status: 200}
client:
  exec:
    command: [/bin/sh, -c, 'sleep 60 & echo $! > "$PIDFILE"; ./execclient; wait']
    env: {PIDFILE: %q}
  calls:
    - {path: /v1/x}
checks:
  - outcome: no_hang
`, pidFile))
		res := runScenario(t, sc, Options{})
		assert.Contains(t, checkNamed(t, res, "outcome").Observed, "it hung")
		assert.Contains(t, strings.Join(res.Evidence, "\n"), "GET /v1/x", "the shell got as far as its request")
		assertDies(t, pidFile, "the shell's sleep outlived the scenario")
	})

	t.Run("children the client leaves behind end with it", func(t *testing.T) {
		if _, err := os.Stat("/proc/self/stat"); err != nil {
			t.Skip("needs /proc")
		}
		pidFile := filepath.Join(t.TempDir(), "pid")
		// The shell starts a background sleep (not holding its output),
		// makes its request and exits 0 without waiting for the sleep.
		sc := writeScenario(t, dir, "leftover", fmt.Sprintf(`version: 1
name: exec-leftover
upstream:
  routes:
    - path: /v1/x
      respond: {status: 200}
client:
  exec:
    command: [/bin/sh, -c, 'sleep 60 >/dev/null 2>&1 & echo $! > "$PIDFILE"; ./execclient']
    env: {PIDFILE: %q}
  calls:
    - {path: /v1/x}
checks:
  - outcome: no_hang
`, pidFile))
		res := runScenario(t, sc, Options{})
		assert.Equal(t, report.Passed, checkNamed(t, res, "outcome").Status, "the client itself exited in time")
		assertDies(t, pidFile, "the sleep the client left behind outlived the scenario")
	})

	t.Run("a missing program cannot start", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "no-such-client")
		sc := writeScenario(t, dir, "missing", `version: 1
name: exec-missing
upstream:
  routes:
    - path: /v1/x
client:
  calls:
    - {path: /v1/x}
checks:
  - outcome: no_hang
`)
		res, err := RunOne(ctx, sc, Options{Exec: []string{missing}})
		require.ErrorIs(t, err, ErrCannotRun, "a client that cannot start is not a resilience failure: exit 3")
		assert.Equal(t, report.Failed, res.Status)
		assert.True(t, strings.HasPrefix(res.Error, "cannot start the client: "), res.Error)
		assert.Contains(t, res.Error, missing)
		assert.Empty(t, res.Checks, "nothing ran, so nothing is judged")
	})
}

// TestExecCannotStart: a command the shell cannot find or execute (exit
// 127 or 126 before any request) is one clear error wrapping ErrCannotRun
// (exit 3), not a list of resilience failures.
func TestExecCannotStart(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "client.py")
	require.NoError(t, os.WriteFile(notExec, []byte("print('hi')\n"), 0o644))
	sc := writeScenario(t, dir, "cannot", "version: 1\nname: cannot-start\nupstream:\n  routes:\n    - path: /v1/x\n"+
		"client:\n  calls:\n    - {path: /v1/x}\nchecks:\n  - outcome: failure\n  - attempts: 1\n")
	for _, tc := range []struct{ cmd, says string }{
		{"./no-such-client --flag", "exited 127 (command not found) before any request"},
		{notExec, "exited 126 (not executable) before any request"},
	} {
		run, err := Run(context.Background(), []*Scenario{sc}, Options{Exec: []string{"/bin/sh", "-c", tc.cmd}})
		require.ErrorIs(t, err, ErrCannotRun, tc.cmd)
		assert.Contains(t, err.Error(), tc.says)
		assert.NotContains(t, err.Error(), "\n", "one line")
		assert.Empty(t, run.Scenarios[0].Checks, "nothing ran, so nothing is judged")
	}
	// A client that ran and then exited 127 on its own is judged.
	run, err := Run(context.Background(), []*Scenario{sc}, Options{Exec: []string{"/bin/sh", "-c", `curl -s "$FAULTLINE_URL/v1/x" >/dev/null 2>&1 || wget -q -O- "$FAULTLINE_URL/v1/x" >/dev/null 2>&1; exit 127`}})
	if _, lookErr := exec.LookPath("curl"); lookErr == nil {
		require.NoError(t, err)
		assert.NotEmpty(t, run.Scenarios[0].Checks)
	}
}

// TestExecPathsRelativeToScenario: client.exec runs in the scenario's
// folder, so relative paths among its arguments resolve there too.
func TestExecPathsRelativeToScenario(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "clients"), 0o755))
	script := "#!/bin/sh\nexec curl -sf \"$FAULTLINE_URL/v1/x\" -o \"$1\"\n"
	if _, err := exec.LookPath("curl"); err != nil {
		script = "#!/bin/sh\necho ok > \"$1\"\n"
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clients", "get.sh"), []byte(script), 0o755))
	sc := writeScenario(t, dir, "rel", "version: 1\nname: relative-args\nupstream:\n  routes:\n    - path: /v1/x\n      respond: {status: 200, json: {ok: true}}\n"+
		"client:\n  exec:\n    command: [/bin/sh, clients/get.sh, out/body.json]\n  calls:\n    - {path: /v1/x}\nchecks:\n  - outcome: success\n")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "out"), 0o755))
	wd := t.TempDir()
	t.Chdir(wd) // faultline runs elsewhere: the paths still resolve beside the file
	res := runScenario(t, sc, Options{})
	assert.Equal(t, report.Passed, res.Status)
	assert.FileExists(t, filepath.Join(dir, "out", "body.json"))
}

// TestExecTimedFromFirstRequest: a client that spends a while starting up
// (an interpreter) is timed from its first request, so a slow start does
// not fail max_duration or outcome's within.
func TestExecTimedFromFirstRequest(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("needs curl to make the request from a shell")
	}
	dir := t.TempDir()
	sc := writeScenario(t, dir, "slowstart", "version: 1\nname: slow-start\ntimeout: 1s\nupstream:\n  routes:\n    - path: /v1/x\n      respond: {status: 200, json: {ok: true}}\n"+
		"client:\n  calls:\n    - {path: /v1/x}\nchecks:\n  - outcome: {expect: success, within: 1s}\n  - max_duration: 1s\n")
	res := runScenario(t, sc, Options{Exec: []string{"/bin/sh", "-c", `sleep 1.5; curl -sf "$FAULTLINE_URL/v1/x" >/dev/null`}})
	assert.Equal(t, report.Passed, res.Status, "1.5s of start-up is not the client's behaviour, nor killed by a 1s timeout")
	assert.Less(t, res.Duration, time.Second)
}

// TestExecTimedFromRefusedHandshake: a client that refuses the upstream's
// certificate sends no request; it is timed from the handshake it refused,
// so its start-up does not count there either.
func TestExecTimedFromRefusedHandshake(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("needs curl to refuse the certificate from a shell")
	}
	dir := t.TempDir()
	sc := writeScenario(t, dir, "slowtls", "version: 1\nname: slow-tls\ntimeout: 1s\nupstream:\n  tls: {certificate: self_signed}\n  routes:\n    - path: /v1/x\n"+
		"client:\n  calls:\n    - {path: /v1/x}\nchecks:\n  - tls_refused\n  - outcome: {expect: failure, within: 1s}\n  - max_duration: 1s\n")
	res := runScenario(t, sc, Options{Exec: []string{"/bin/sh", "-c", `sleep 1.5; curl -s --cacert "$FAULTLINE_CA_FILE" "$FAULTLINE_URL/v1/x"`}})
	assert.Equal(t, report.Passed, res.Status, "1.5s of start-up before the refused handshake is not the client's behaviour")
	assert.Less(t, res.Duration, time.Second)
}

// TestExecOutputKeepsTheTail: a chatty client's last words survive.
func TestExecOutputKeepsTheTail(t *testing.T) {
	var b tailBuffer
	for range 100 {
		n, err := b.Write([]byte(strings.Repeat("x", 199) + "\n"))
		require.NoError(t, err)
		require.Equal(t, 200, n)
	}
	_, _ = b.Write([]byte("gave up: field amount\n"))
	assert.Equal(t, outputTail, b.Len())
	assert.True(t, strings.HasSuffix(b.String(), "xx\ngave up: field amount\n"))
}

// gone says whether the process pid has ended: no longer in /proc, or dead
// and not yet reaped (a zombie).
// assertDies asserts that the process whose pid is in pidFile dies within
// 10 s. SIGKILL is sent before a scenario returns, but a process dies when
// the kernel next runs it: on a busy machine that can be milliseconds
// later. Spared, the tests' sleeps would live for 60 s.
func assertDies(t *testing.T, pidFile, msg string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	pid := strings.TrimSpace(string(b))
	assert.Eventually(t, func() bool { return gone(pid) }, 10*time.Second, 10*time.Millisecond, msg)
}

func gone(pid string) bool {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	_, state, _ := strings.Cut(string(b), ") ")
	return err != nil || strings.HasPrefix(state, "Z")
}
