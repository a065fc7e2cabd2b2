package cmd

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/faultline-dev/faultline/fault"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/faultline-dev/faultline/audit"
	"github.com/faultline-dev/faultline/internal/fielderr"
	"github.com/faultline-dev/faultline/report"
	"github.com/faultline-dev/faultline/scenarios"
)

func init() { register(newRunCmd) }

type runOptions struct {
	exec      string
	seed      int64
	only      string
	tags      []string
	list      bool
	parallel  int
	shard     string
	reports   reportFiles
	failFast  bool
	noColor   bool
	verbose   bool
	bind      string
	advertise string
	port      int
	paths     []string
	seedGiven bool
	audit     []string
}

// runFlags names the flags of scenarios' option fields, for its errors.
var runFlags = map[string]string{"Only": "--only", "Tags": "--tags", "Shard": "--shard", "Advertise": "--advertise"}

func newRunCmd() *cobra.Command {
	o := &runOptions{}
	c := &cobra.Command{
		Use:   "run [PATH...]",
		Short: "Run chaos scenarios against a client and judge its resilience",
		Long: `Run scenario files (or every scenario file below the folders given: *.yaml
and *.yml, recursively, skipping testdata and folders starting with . or _;
plans and cassettes beside them are left alone) against the
client under test, and report which resilience checks pass. With no PATH,
the built-in scenario library runs against the reference client.

Each scenario starts its own fault upstream on 127.0.0.1, runs the client,
and judges what the upstream saw. Exit codes: 0 every check passed, 1 a check
failed, 2 usage error or invalid scenario file, 3 faultline could not run,
130 interrupted (SIGINT or SIGTERM) before every scenario finished.`,
		Example: `  faultline run                                  # built-in library, reference client
  faultline run --exec "./my-client" --tags retry  # your program, retry scenarios
  faultline run scenarios/ --junit report.xml --markdown "$GITHUB_STEP_SUMMARY"
  faultline run --shard 2/4 --seed 42              # second of four CI runners`,
		RunE: func(c *cobra.Command, args []string) error {
			o.paths, o.seedGiven = args, c.Flags().Changed("seed")
			return runScenarios(c.Context(), c.OutOrStdout(), c.ErrOrStderr(), o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.exec, "exec", "", "run this command as the client of every scenario (through /bin/sh -c)")
	f.Int64Var(&o.seed, "seed", 0, "seed for every random choice (default: drawn and printed)")
	f.StringVar(&o.only, "only", "", "run only scenarios whose name matches this glob")
	f.StringSliceVar(&o.tags, "tags", nil, "run only scenarios carrying all these tags (comma-separated)")
	f.BoolVar(&o.list, "list", false, "list the selected scenarios and exit")
	f.IntVar(&o.parallel, "parallel", runtime.NumCPU(), "scenarios to run at once")
	f.StringVar(&o.shard, "shard", "", "run the i-th of n parts of the suite, as i/n")
	f.BoolVar(&o.failFast, "fail-fast", false, "skip the scenarios not yet started after the first failure")
	f.BoolVar(&o.noColor, "no-color", false, "plain output even on a terminal (NO_COLOR is honoured too)")
	f.StringArrayVar(&o.audit, "audit", nil, "also audit this Go code (package pattern or directory, repeatable); its findings decide the light stage")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "show each client's output, failing or not")
	f.StringVar(&o.bind, "bind", "127.0.0.1", "host each scenario's upstream listens on (0.0.0.0: every interface, for a client in a container or on another host)")
	f.StringVar(&o.advertise, "advertise", "", "base URL clients are given in FAULTLINE_URL, e.g. http://host.docker.internal (the upstream's port is added when it has none)")
	f.IntVar(&o.port, "port", 0, "fixed port for every scenario's upstream, for clients with a fixed base URL (scenarios then run one at a time)")
	o.reports.addFlags(c)
	return c
}

func runScenarios(ctx context.Context, stdout, stderr io.Writer, o *runOptions) error {
	suite, err := pickScenarios(o)
	if err != nil {
		return err
	}
	scs := suite.Scenarios
	if o.list {
		return listScenarios(stdout, scs)
	}
	if len(scs) == 0 {
		return usageErr(errors.New("no scenario matches --only/--tags/--shard; see faultline run --list"))
	}
	if o.parallel < 1 {
		return usageErr(fmt.Errorf("--parallel %d: give 1 or more", o.parallel))
	}
	if err := o.reports.check(); err != nil {
		return err
	}
	if err := checkListen(o); err != nil {
		return err
	}
	var audited []report.Scenario
	if len(o.audit) > 0 {
		res, err := runAuditPaths(o.audit)
		if err != nil {
			return err
		}
		audited = audit.StageScenarios(res.Findings, auditCommand(&auditOptions{paths: o.audit, failOn: "low"}))
	}
	if !o.seedGiven {
		o.seed = drawSeed()
	}
	ctx, stop := signal.NotifyContext(orBackground(ctx), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := scenarios.Options{Seed: o.seed, Parallel: o.parallel, FailFast: o.failFast,
		Command: runCommand(o, nil), ToolVersion: Version(),
		Reproduce: func(sc *scenarios.Scenario) string { return runCommand(o, sc) }}
	if o.exec != "" {
		opts.Exec = []string{"/bin/sh", "-c", o.exec}
	}
	opts.Bind, opts.Advertise, opts.Port = o.bind, o.advertise, o.port
	if o.port != 0 {
		opts.Parallel = 1 // one upstream at a time on the fixed port
	}
	live := newLiveOutput(o.reports.terminal(stdout), stderr, len(scs), o)
	opts.Progress, opts.Finished = live.progress.Done, live.finished
	run, runErr := suite.Run(ctx, opts)
	live.progress.Close()
	run.Scenarios = append(run.Scenarios, audited...)
	run.Finalize()
	for _, sc := range audited {
		live.finished(sc)
	}
	termOpts := report.TerminalOptions{Streamed: live.streamed, Verbose: o.verbose}
	if err := writeReports(stdout, run, o.reports, o.noColor, termOpts); err != nil {
		return err
	}
	switch sum := run.Summary(); {
	case run.Interrupted:
		return interruptedErr("")
	case runErr != nil:
		return internalErr(runErr)
	case !run.Passed():
		return failedErr("")
	case sum.Passed == 0:
		return failedErr("every scenario was skipped: nothing was judged (see the reasons above)")
	}
	return nil
}

// liveOutput shows scenarios as they finish: on a terminal, a progress
// line on stderr; elsewhere (a CI log), one line per scenario on the
// report's stream, like go test -v, so the log is never silent.
type liveOutput struct {
	progress *report.Progress
	streamed bool
	mu       sync.Mutex
	w        io.Writer
	opts     report.TerminalOptions
}

func newLiveOutput(term, stderr io.Writer, total int, o *runOptions) *liveOutput {
	l := &liveOutput{w: term, opts: report.TerminalOptions{Color: report.ColorEnabled(term, o.noColor), Verbose: o.verbose}}
	onTerminal := isTerminal(term)
	l.progress = report.NewProgress(stderr, total, onTerminal && report.ColorEnabled(stderr, o.noColor))
	l.streamed = !onTerminal
	return l
}

// finished writes sc's line to a CI log as the run goes on, its reasons
// in flags as writeReports puts the report's. sc shares its checks with the
// run's result, so it rewords a copy of them.
func (l *liveOutput) finished(sc report.Scenario) {
	if !l.streamed {
		return
	}
	sc.Checks = slices.Clone(sc.Checks)
	scenarioInFlagWords(&sc)
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = report.WriteScenarioLine(l.w, &sc, l.opts)
}

// checkListen rejects a --bind, --port or --advertise that cannot work,
// before anything runs.
func checkListen(o *runOptions) error {
	if net.ParseIP(o.bind) == nil && o.bind != "localhost" {
		return usageErr(fmt.Errorf("--bind %q: give an IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0", o.bind))
	}
	if o.port < 0 || o.port > 65535 {
		return usageErr(fmt.Errorf("--port %d: give 1-65535 (or 0 for a free port per scenario)", o.port))
	}
	if o.advertise != "" {
		if err := scenarios.CheckAdvertise(o.advertise); err != nil {
			return usageErr(fielderr.Rename(err, runFlags))
		}
	}
	return nil
}

func orBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// pickScenarios loads and selects the scenarios the arguments and flags name.
func pickScenarios(o *runOptions) (*scenarios.Suite, error) {
	sel := scenarios.Selection{Paths: o.paths, Only: o.only, Tags: o.tags}
	if o.shard != "" {
		i, n, err := parseShard(o.shard)
		if err != nil {
			return nil, usageErr(err)
		}
		sel.Shard, sel.Shards = i, n
	}
	suite, err := scenarios.Pick(sel)
	if errors.Is(err, fault.ErrInvalid) {
		return nil, usageErr(fielderr.Rename(err, runFlags))
	}
	if err != nil {
		return nil, internalErr(err)
	}
	return suite, nil
}

func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("--shard %q: write i/n with 1 <= i <= n, e.g. --shard 2/4", s)
	}
	return i, n, nil
}

// listScenarios prints the selected scenarios sorted by name, in aligned
// columns under a header.
func listScenarios(w io.Writer, scs []*scenarios.Scenario) error {
	sorted := append([]*scenarios.Scenario(nil), scs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTAGS\tFILE")
	for _, sc := range sorted {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", sc.Name, strings.Join(sc.Tags, ","), sc.File)
	}
	return tw.Flush()
}

// drawSeed draws a seed to print and reuse when none was given: from
// crypto/rand, small enough to retype, never zero.
func drawSeed() int64 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return int64(binary.BigEndian.Uint32(b[:])%1_000_000_000) + 1
}

// runCommand is the command line that repeats the run with its seed or,
// given a scenario, that scenario alone: its file (none for a built-in
// one) and its name as --only, with the same client and listen flags.
// It is the one builder of faultline run's reproduce lines.
func runCommand(o *runOptions, sc *scenarios.Scenario) string {
	parts := []string{"faultline", "run"}
	paths, only, tags, shard, audited := o.paths, o.only, strings.Join(o.tags, ","), o.shard, o.audit
	if sc != nil {
		paths, only, tags, shard, audited = nil, globEscape(sc.Name), "", "", nil
		if !strings.HasPrefix(sc.File, scenarios.LibraryPrefix) {
			paths = []string{sc.File}
		}
	}
	for _, p := range paths {
		parts = append(parts, shellQuote(p))
	}
	add := func(flag, v string) {
		if v != "" {
			parts = append(parts, flag, shellQuote(v))
		}
	}
	add("--only", only)
	add("--tags", tags)
	add("--shard", shard)
	parts = append(parts, "--seed", strconv.FormatInt(o.seed, 10))
	add("--exec", o.exec)
	if o.bind != "127.0.0.1" {
		add("--bind", o.bind)
	}
	add("--advertise", o.advertise)
	if o.port != 0 {
		add("--port", strconv.Itoa(o.port))
	}
	for _, a := range audited {
		add("--audit", a)
	}
	return strings.Join(parts, " ")
}

// globEscape makes name match itself as an --only pattern.
func globEscape(name string) string {
	var b strings.Builder
	for _, r := range name {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func shellQuote(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == ',' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// terminalWidth is the width of w when it is a terminal, else 0.
func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil {
			return width
		}
	}
	return 0
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
