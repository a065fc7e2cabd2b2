package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/internal/atomicfile"
	"github.com/faultline-dev/faultline/report"
)

// reportFiles are the reports a command can write besides the terminal
// report, shared by run, drift and webhook. A path of "-" is standard
// output (then the terminal report goes to standard error).
type reportFiles struct {
	json, junit, markdown, html string
	cmd                         *cobra.Command // whose standard error takes the terminal report when a report takes stdout
}

func (r *reportFiles) addFlags(c *cobra.Command) {
	r.cmd = c
	c.Flags().StringVar(&r.json, "json", "", "write a JSON report to this file (- for standard output)")
	c.Flags().StringVar(&r.junit, "junit", "", "write a JUnit XML report to this file (- for standard output)")
	c.Flags().StringVar(&r.markdown, "markdown", "", "append a Markdown summary to this file, e.g. \"$GITHUB_STEP_SUMMARY\" (- for standard output)")
	c.Flags().StringVar(&r.html, "html", "", "write a self-contained HTML report to this file (- for standard output)")
}

// reportFile is one requested report: its flag, path and renderer.
type reportFile struct {
	flag, path string
	write      func(io.Writer, *report.Run) error
	appends    bool // added to an existing file rather than replacing it
}

func (r reportFiles) list() []reportFile {
	all := []reportFile{
		{"--json", r.json, report.WriteJSON, false},
		{"--junit", r.junit, report.WriteJUnit, false},
		{"--markdown", r.markdown, report.WriteMarkdown, true},
		{"--html", r.html, report.WriteHTML, false},
	}
	var out []reportFile
	for _, f := range all {
		if f.path != "" {
			out = append(out, f)
		}
	}
	return out
}

// stdout reports whether a report is written to standard output.
func (r reportFiles) stdout() bool {
	for _, f := range r.list() {
		if f.path == "-" {
			return true
		}
	}
	return false
}

// check rejects report paths that could not be written, before anything
// runs: a folder that does not exist, a path that is a folder, or standard
// output asked for twice.
func (r reportFiles) check() error {
	dash := ""
	for _, f := range r.list() {
		if f.path == "-" {
			if dash != "" {
				return usageErr(fmt.Errorf("%s - and %s -: only one report can go to standard output", dash, f.flag))
			}
			dash = f.flag
			continue
		}
		if st, err := os.Stat(f.path); err == nil && st.IsDir() {
			return usageErr(fmt.Errorf("%s %s: is a folder; give a file name inside it", f.flag, f.path))
		}
		dir := filepath.Dir(f.path)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return usageErr(fmt.Errorf("%s %s: folder %s does not exist; create it first (mkdir -p %s)", f.flag, f.path, dir, shellQuote(dir)))
		}
	}
	return nil
}

// writeReports prints the terminal report (to stdout, or to stderr when a
// report goes to stdout) and writes the requested files. The Markdown
// summary is appended to an existing file, as GitHub's step summary
// expects; the others replace theirs atomically. Library reasons that
// name a Go option are reworded to name the flag (inFlagWords).
func writeReports(stdout io.Writer, run *report.Run, files reportFiles, noColor bool, opts report.TerminalOptions) error {
	inFlagWords(run)
	term := files.terminal(stdout)
	opts.Width, opts.Color = terminalWidth(term), report.ColorEnabled(term, noColor)
	if err := report.WriteTerminal(term, run, opts); err != nil {
		return internalErr(err)
	}
	var errs []error
	for _, out := range files.list() {
		var buf bytes.Buffer
		if err := out.write(&buf, run); err != nil {
			return internalErr(err)
		}
		if err := writeReport(stdout, out, buf.Bytes()); err != nil {
			errs = append(errs, fmt.Errorf("cannot write report %s: %w", out.path, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return internalErr(err)
	}
	return nil
}

// terminal is where the terminal report goes: stdout, unless a report is
// written there.
func (r reportFiles) terminal(stdout io.Writer) io.Writer {
	switch {
	case !r.stdout():
		return stdout
	case r.cmd != nil:
		return r.cmd.ErrOrStderr()
	}
	return os.Stderr
}

func writeReport(stdout io.Writer, out reportFile, data []byte) error {
	switch {
	case out.path == "-":
		_, err := stdout.Write(data)
		return err
	case out.appends:
		return appendFile(out.path, data)
	}
	return atomicfile.Write(out.path, data, 0o644)
}

// appendFile adds data to the end of path, creating it when missing and
// separating it from earlier content by a blank line.
func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		data = append([]byte("\n"), data...)
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
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
