package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"faultline": func() {
			code := Execute(os.Args[1:], os.Stdout, os.Stderr)
			if work := os.Getenv("WORK"); work != "" { // for the script's exitcode command
				_ = os.WriteFile(filepath.Join(work, ".exitcode"), []byte(strconv.Itoa(code)), 0o644)
			}
			os.Exit(code)
		},
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: each runs the
// real faultline command and checks its output and exit code.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", RequireExplicitExec: true, Setup: goEnv, Cmds: scriptCmds})
}

// goEnv sets $REPO to the repository's root, for scripts that use its
// files, and lets scripts that run the go command (faultline audit loads
// packages with it) share this machine's build cache, offline.
func goEnv(env *testscript.Env) error {
	repo, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	env.Setenv("REPO", repo)
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE").Output()
	if err != nil {
		return nil // scripts needing go skip themselves with [exec:go]
	}
	dirs := strings.Fields(string(out))
	if len(dirs) == 2 {
		env.Setenv("GOCACHE", dirs[0])
		env.Setenv("GOMODCACHE", dirs[1])
	}
	env.Setenv("GOPROXY", "off")
	env.Setenv("GOTOOLCHAIN", "local")
	return nil
}
