// Command curl is a panel client: each call is one run of the curl command
// line tool with --retry 3 (curl does not retry by default), so the HTTP
// behaviour is curl's own. Documented behaviour of --retry: it retries
// "transient" failures only (a timeout, or HTTP 408, 429, 500, 502, 503,
// 504), not a reset connection or any other error; it waits one second
// doubling per retry, or what Retry-After says; curl has no timeout by
// default. The program only passes the call's method, headers and body,
// adds X-Request-Id, and judges curl's answer (contract.Judge); curl's own
// error message is passed on.
package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/faultline-dev/faultline/internal/testclients/contract"
)

const statusMark = "\n::status="

func main() {
	contract.Main("curl", func(base string, c contract.Call) error {
		args := []string{"-sS", "--retry", "3", "-X", c.Method, "-H", "X-Request-Id: " + c.ID, "-w", statusMark + "%{http_code}"}
		for k, v := range c.Headers {
			args = append(args, "-H", k+": "+v)
		}
		if c.Body != "" {
			args = append(args, "--data-binary", c.Body)
		}
		var out, errb bytes.Buffer
		cmd := exec.Command("curl", append(args, base+c.Path)...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s %s: %v: %s", c.Method, c.Path, err, strings.TrimSpace(errb.String()))
		}
		body, code, _ := strings.Cut(out.String(), statusMark)
		status, err := strconv.Atoi(strings.TrimSpace(code))
		if err != nil {
			return fmt.Errorf("%s %s: curl printed no status: %s", c.Method, c.Path, strings.TrimSpace(errb.String()))
		}
		return contract.Judge(c, status, []byte(body))
	})
}
