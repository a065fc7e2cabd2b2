package cmd

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/internal/atomicfile"
	"github.com/faultline-dev/faultline/report"
)

// reportFiles are the machine-readable reports a command can write besides
// the terminal report, shared by run, drift and webhook.
type reportFiles struct{ json, junit, markdown string }

func (r *reportFiles) addFlags(c *cobra.Command) {
	c.Flags().StringVar(&r.json, "json", "", "write a JSON report to this file")
	c.Flags().StringVar(&r.junit, "junit", "", "write a JUnit XML report to this file")
	c.Flags().StringVar(&r.markdown, "markdown", "", "write a Markdown summary to this file (e.g. $GITHUB_STEP_SUMMARY)")
}

// writeReports prints the terminal report and writes the requested files.
func writeReports(stdout io.Writer, run *report.Run, files reportFiles, color bool) error {
	if err := report.WriteTerminal(stdout, run, report.TerminalOptions{Color: color, Width: terminalWidth(stdout)}); err != nil {
		return internalErr(err)
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer, *report.Run) error
	}{{files.json, report.WriteJSON}, {files.junit, report.WriteJUnit}, {files.markdown, report.WriteMarkdown}} {
		if out.path == "" {
			continue
		}
		var buf bytes.Buffer
		if err := out.write(&buf, run); err != nil {
			return internalErr(err)
		}
		if err := atomicfile.Write(out.path, buf.Bytes(), 0o644); err != nil {
			return internalErr(fmt.Errorf("cannot write report %s: %w", out.path, err))
		}
	}
	return nil
}

// checkAddr rejects a listen address that cannot work before anything
// binds, so a typo is a usage error (exit 2), not a failure to run.
func checkAddr(flag, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return usageErr(fmt.Errorf("%s %q: give host:port, e.g. 127.0.0.1:8080", flag, addr))
	}
	return nil
}
