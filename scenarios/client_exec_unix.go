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
