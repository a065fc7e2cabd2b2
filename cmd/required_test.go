package cmd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A missing required flag, or two flags that exclude each other, is a usage
// error (exit 2) on one line naming the flags, before anything runs.
func TestRequiredFlags(t *testing.T) {
	t.Setenv("REQUIRED_TEST_SECRET", "whsec_x")
	hook := []string{"webhook", "--target", "http://127.0.0.1:1/h", "--scheme", "stripe", "--secret-env", "REQUIRED_TEST_SECRET"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"drift"}, `required flag(s) "cassette" not set`},
		{[]string{"replay"}, `required flag(s) "cassette" not set`},
		{[]string{"record", "--cassette", "x.yaml"}, `required flag(s) "upstream" not set`},
		{[]string{"record"}, `required flag(s) "cassette", "upstream" not set`},
		{[]string{"cassette", "import", "--har", "in.har"}, `required flag(s) "out" not set`},
		{[]string{"cassette", "export", "api.yaml"}, `required flag(s) "har" not set`},
		{[]string{"cassette", "verify", "api.yaml"}, `required flag(s) "spec" not set`},
		{[]string{"webhook", "--target", "http://127.0.0.1:1/h"}, `required flag(s) "scheme", "secret-env" not set`},
		{append(hook, "--effects-url", "http://127.0.0.1:1/e", "--effects-cmd", "echo 1"),
			`if any flags in the group [effects-url effects-cmd effects-upstream] are set none of the others can be; [effects-cmd effects-url] were all set`},
	} {
		code, out := execute(c.args...)
		assert.Equal(t, ExitUsage, code, "%v", c.args)
		assert.Equal(t, "faultline: "+c.want+"\n", out, "%v", c.args)
		assert.Equal(t, 1, strings.Count(out, "\n"), "%v: one line", c.args)
	}
}
