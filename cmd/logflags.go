package cmd

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/faultline-dev/faultline/internal/logbuf"
	"github.com/faultline-dev/faultline/internal/reqlog"
)

// logFlags are the request log's flags, the same on every command that
// serves requests (serve, replay, record): one line per request at info,
// written in batches off the request path.
type logFlags struct {
	format string // "", "text" or "json"
	level  string // debug, info, warn, error
	quiet  bool   // no per-request log lines
}

func (l *logFlags) register(f *pflag.FlagSet) {
	f.StringVar(&l.format, "log-format", "", "request log format: text or json (default: text on a terminal, else json)")
	f.StringVar(&l.level, "log-level", "info", "least level logged: debug, info (one line per request), warn or error")
	f.BoolVar(&l.quiet, "quiet", false, "no per-request log lines (warnings and errors still go to stderr)")
}

// open returns the logger the flags ask for, writing to stderr through a
// batching buffer so that a request never waits for stderr. Close the
// buffer to write the rest; Flush it to write what is logged so far.
func (l *logFlags) open(stderr io.Writer) (*slog.Logger, *logbuf.Writer, error) {
	var lv slog.Level // info when level is empty
	if err := lv.UnmarshalText([]byte(l.level)); l.level != "" && err != nil {
		return nil, nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", l.level)
	}
	if l.quiet {
		lv = max(lv, slog.LevelWarn)
	}
	out := logbuf.New(stderr)
	logger, err := leveledLogger(defaultFormat(l.format, stderr), &slog.HandlerOptions{Level: lv}, out)
	if err != nil {
		_ = out.Close()
		return nil, nil, err
	}
	return logger, out, nil
}

// defaultFormat is format, or when it is empty text on a terminal, else json.
func defaultFormat(format string, stderr io.Writer) string {
	if format != "" {
		return format
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return "text"
	}
	return "json"
}

func leveledLogger(format string, opts *slog.HandlerOptions, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(reqlog.NewJSON(w, opts)), nil // slog's JSON lines; request lines written directly
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}
