package cmd

import (
	"net/http"
	"net/http/httptest"
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

// Libraries name their own fields in errors (Only, Advertise, Target,
// Scheme); the command puts its flag's name in their place.
func TestLibraryErrorsNameTheFlag(t *testing.T) {
	t.Setenv("FLAG_TEST_SECRET", "whsec_x")
	hook := httptest.NewServer(http.NotFoundHandler())
	defer hook.Close()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--only", "retry-["}, `invalid configuration: --only "retry-[": syntax error in pattern`},
		{[]string{"run", "--advertise", "host:80"}, `invalid configuration: --advertise "host:80": give the base URL`},
		{[]string{"webhook", "--target", "/hook", "--scheme", "stripe", "--secret-env", "FLAG_TEST_SECRET"},
			`invalid webhook campaign options: --target "/hook": give an absolute http:// or https:// URL`},
		{[]string{"webhook", "--target", hook.URL, "--scheme", "paypal", "--secret-env", "FLAG_TEST_SECRET"},
			`invalid webhook campaign options: --scheme paypal: `},
	} {
		code, out := execute(c.args...)
		assert.Equal(t, ExitUsage, code, "%v", c.args)
		assert.True(t, strings.HasPrefix(out, "faultline: "+c.want), "%v: %q", c.args, out)
		assert.Equal(t, 1, strings.Count(out, "\n"), "%v: one line", c.args)
	}
}
