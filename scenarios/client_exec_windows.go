//go:build windows

package scenarios

import "os/exec"

// killTree makes cancelling cmd kill it. Windows has no process groups to
// signal: children the client started itself may outlive it, and the
// WaitDelay set by runExec stops faultline from waiting on their pipes.
func killTree(cmd *exec.Cmd) {
	cmd.Cancel = func() error { return cmd.Process.Kill() }
}

// endTree does nothing on Windows: there is no process group to signal.
func endTree(*exec.Cmd) {}
