// Package cmd holds faultline's cobra commands: one file per command, each
// parsing flags into an options struct and calling into a package. No
// business logic lives here.
package cmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes shared by every command; CI systems branch on them.
const (
	ExitOK       = 0 // every check passed
	ExitFailed   = 1 // a check failed (or breaking drift, or a secret found)
	ExitUsage    = 2 // usage error or invalid input file
	ExitInternal = 3 // faultline itself could not run (e.g. cannot bind)
	// ExitInterrupted: SIGINT or SIGTERM stopped a run before every
	// scenario finished; the report says which were not judged. 130 is
	// the shell's code for a process ended by SIGINT (128+2), so scripts
	// and CI read it as "stopped", never as a verdict on the client.
	ExitInterrupted = 130
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as bad input from the user: exit 2.
func usageErr(err error) error { return &exitError{code: ExitUsage, err: err} }

// internalErr marks err as faultline failing to run: exit 3.
func internalErr(err error) error { return &exitError{code: ExitInternal, err: err} }

// interruptedErr is returned when a signal cut a run short: exit 130.
func interruptedErr(msg string) error { return &exitError{code: ExitInterrupted, err: errors.New(msg)} }

// failedErr is returned when a run completed and found failures: exit 1.
// Its message is printed only when non-empty (the report already said why).
func failedErr(msg string) error { return &exitError{code: ExitFailed, err: errors.New(msg)} }

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "faultline",
		Short: "Chaos and contract testing for API integrations",
		Long: `faultline makes the ways integrations fail happen on purpose, reproducibly,
and judges how the code under test behaved: a fault-injecting HTTP upstream,
a reference resilient client, scenario files with checks, and CI reports.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version(),
	}
	root.SetVersionTemplate("faultline {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	for _, add := range subcommands {
		root.AddCommand(add())
	}
	registerCompletions(root)
	return root
}

// subcommands lists constructors registered by each command's file.
var subcommands []func() *cobra.Command

func register(f func() *cobra.Command) { subcommands = append(subcommands, f) }

// Execute runs faultline with args and returns the process exit code.
func Execute(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if msg := ee.Error(); msg != "" {
			fmt.Fprintln(stderr, "faultline: "+msg)
		}
		return ee.code
	}
	// Errors cobra raises itself (unknown command, bad args) are usage errors.
	fmt.Fprintln(stderr, "faultline: "+err.Error())
	return ExitUsage
}
