//go:build unix

package scenarios

import (
	"os/exec"
	"syscall"
)

// killTree makes cancelling cmd kill its whole process group, so a shell's
// children (the client it started) die with it.
func killTree(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// endTree kills what is left of cmd's process group once cmd itself has
// exited: a client's background children (a server it started, a stray
// sleep) end with the client instead of outliving the scenario.
func endTree(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // ESRCH: nothing was left
	}
}
