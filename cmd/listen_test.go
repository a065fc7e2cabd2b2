package cmd

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// freePort returns a loopback port nothing listens on right now, below the
// kernel's ephemeral range (Linux: 32768 and up). faultline must bind the
// port itself, so the test cannot hold it open; a port the kernel hands out
// for ":0" would be racy (any listener or outgoing connection on the
// machine may be given it meanwhile), one below that range is only taken
// by a program that asks for it by number. Each test process starts at its
// own place in the range.
func freePort(t *testing.T) int {
	t.Helper()
	const lo, n = 20000, 12000
	start := os.Getpid() % n
	for i := range 200 {
		port := lo + (start+i*61)%n
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			require.NoError(t, ln.Close())
			return port
		}
	}
	t.Fatal("no free loopback port in 20000-31999")
	return 0
}

// An external client prints the FAULTLINE_URL it was given (-v shows it)
// and calls nothing: the URLs are checked, no traffic leaves loopback.
const printURL = `version: 1
name: %s
upstream: {routes: [{path: /a, respond: {status: 200}}]}
client: {exec: {command: [sh, -c, 'echo "url=$FAULTLINE_URL"']}, calls: [{path: /a}]}
checks: [outcome: success]
`

func TestRunListenFlags(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"one", "two"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(fmt.Sprintf(printURL, name)), 0o644))
	}
	urls := func(out string) []string {
		var got []string
		for _, m := range regexp.MustCompile(`url=(\S+)`).FindAllStringSubmatch(out, -1) {
			got = append(got, m[1])
		}
		return got
	}

	// --port: every scenario's upstream on that port, one at a time.
	port := freePort(t)
	code, out := execute("run", dir, "-v", "--seed", "1", "--port", strconv.Itoa(port), "--parallel", "4")
	require.Equal(t, ExitOK, code, out)
	want := "http://127.0.0.1:" + strconv.Itoa(port)
	assert.Equal(t, []string{want, want}, urls(out))

	// --advertise without a port gets the upstream's; with one, it is kept.
	code, out = execute("run", filepath.Join(dir, "one.yaml"), "-v", "--port", strconv.Itoa(port), "--advertise", "http://host.docker.internal")
	require.Equal(t, ExitOK, code, out)
	assert.Equal(t, []string{"http://host.docker.internal:" + strconv.Itoa(port)}, urls(out))
	code, out = execute("run", filepath.Join(dir, "one.yaml"), "-v", "--advertise", "http://faultline:8080")
	require.Equal(t, ExitOK, code, out)
	assert.Equal(t, []string{"http://faultline:8080"}, urls(out))

	// --bind 0.0.0.0: clients without --advertise are given loopback, and
	// the in-process reference client reaches the upstream.
	code, out = execute("run", filepath.Join(dir, "one.yaml"), "-v", "--bind", "0.0.0.0")
	require.Equal(t, ExitOK, code, out)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, urls(out)[0])
	code, out = execute("run", "--only", "first-503s-then-ok", "--bind", "0.0.0.0", "--seed", "1", "--list")
	require.Equal(t, ExitOK, code, out)

	// The reproduce line repeats the flags.
	code, out = execute("run", filepath.Join(dir, "one.yaml"), "--exec", "exit 1", "--port", strconv.Itoa(port), "--advertise", "http://x.invalid", "--seed", "3")
	require.Equal(t, ExitFailed, code, out)
	assert.Contains(t, out, "--seed 3 --exec 'exit 1' --advertise 'http://x.invalid' --port "+strconv.Itoa(port))

	// Bad values are usage errors before anything runs.
	for _, args := range [][]string{{"--bind", "nowhere"}, {"--port", "70000"}, {"--advertise", "host:80"}, {"--advertise", "http://h/api"}} {
		code, out = execute(append([]string{"run", dir}, args...)...)
		assert.Equal(t, ExitUsage, code, "%v: %s", args, out)
		assert.Contains(t, out, args[0], "the error names the flag")
	}

	// A port already taken: faultline could not run (exit 3).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	code, out = execute("run", filepath.Join(dir, "one.yaml"), "--port", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	assert.Equal(t, ExitInternal, code, out)
}
