// Command stability runs the whole built-in scenario library again and
// again with the same seed, with the reference client and with a real
// HTTP client (the net/http panel client), while a CPU hog keeps every core
// busy, and counts the runs whose verdicts (every check of every scenario)
// match the first run's:
//
//	go run ./bench/stability -runs 20
//
// A verdict that changes between runs of one seed is a flaky gate; the
// program prints each one it sees and exits 1 if any did.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/report"
	"github.com/faultline-dev/faultline/scenarios"
)

func main() {
	runs := flag.Int("runs", 20, "library runs per client")
	seed := flag.Int64("seed", 1, "the run seed (the same for every run)")
	hog := flag.Int("hog", runtime.NumCPU(), "busy processes' goroutines kept spinning beside the runs (0: none)")
	flag.Parse()
	if err := run(*runs, *seed, *hog); err != nil {
		fmt.Fprintln(os.Stderr, "stability:", err)
		os.Exit(1)
	}
}

func run(runs int, seed int64, hog int) error {
	lib, err := scenarios.Library()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "stability")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := build(dir, "internal/testclients/panel/nethttp", "bench/hog"); err != nil {
		return err
	}
	bin := filepath.Join(dir, "nethttp")
	if hog > 0 {
		stop, err := startHog(filepath.Join(dir, "hog"), hog)
		if err != nil {
			return err
		}
		defer stop()
	}
	var bad bool
	for _, client := range []struct {
		name string
		exec []string
		scs  []*scenarios.Scenario
	}{
		{"reference", nil, lib},
		{"net/http panel client", []string{bin}, external(lib)},
	} {
		same, failing, diffs, took := repeat(client.scs, client.exec, runs, seed)
		fmt.Printf("%-22s %2d of %d runs gave the first run's verdicts (%d scenarios, %d of them failing, seed %d, %s a run on average)\n",
			client.name, same, runs, len(client.scs), failing, seed, took.Round(time.Millisecond))
		for _, d := range diffs {
			fmt.Println("   ", d)
		}
		bad = bad || same != runs
	}
	if bad {
		return fmt.Errorf("verdicts changed between runs of one seed")
	}
	return nil
}

// external drops what an external client cannot be judged on here: webhook
// receivers and the token flows the panel client does not implement.
func external(lib []*scenarios.Scenario) []*scenarios.Scenario {
	return slices.DeleteFunc(slices.Clone(lib), func(sc *scenarios.Scenario) bool {
		return slices.Contains(sc.Tags, "webhook") || slices.Contains(sc.Tags, "auth")
	})
}

// repeat runs the scenarios runs times and counts the runs whose verdicts
// equal the first's, listing every difference.
func repeat(scs []*scenarios.Scenario, argv []string, runs int, seed int64) (same, failing int, diffs []string, avg time.Duration) {
	var first map[string]verdict
	var total time.Duration
	for i := range runs {
		start := time.Now()
		rep, err := scenarios.Run(context.Background(), scs, scenarios.Options{Seed: seed, Exec: argv, Parallel: runtime.NumCPU() * 2})
		total += time.Since(start)
		if err != nil {
			diffs = append(diffs, fmt.Sprintf("run %d: %v", i+1, err))
			continue
		}
		got := verdicts(rep)
		if first == nil {
			first, failing = got, rep.Summary().Failed
		}
		d := compare(first, got)
		if len(d) == 0 {
			same++
		}
		for _, x := range d {
			diffs = append(diffs, fmt.Sprintf("run %d: %s", i+1, x))
		}
	}
	return same, failing, diffs, total / time.Duration(max(runs, 1))
}

// verdict is one scenario's or check's status, with what was observed
// (printed when it differs from the first run's, to explain the change).
type verdict struct {
	status report.Status
	why    string
}

func verdicts(rep *report.Run) map[string]verdict {
	out := map[string]verdict{}
	for _, sc := range rep.Scenarios {
		out[sc.Name] = verdict{sc.Status, sc.Error}
		for i, c := range sc.Checks {
			out[fmt.Sprintf("%s/%d/%s", sc.Name, i, c.Name)] = verdict{c.Status, strings.TrimSpace(c.Observed + " " + c.Message)}
		}
	}
	return out
}

func compare(a, b map[string]verdict) []string {
	var out []string
	for k, v := range a {
		if b[k].status != v.status {
			out = append(out, fmt.Sprintf("%s: %s (%s), first run %s (%s)", k, b[k].status, b[k].why, v.status, v.why))
		}
	}
	sort.Strings(out)
	return out
}

// build builds the module's packages into dir.
func build(dir string, pkgs ...string) error {
	args := []string{"build", "-o", dir + string(os.PathSeparator)}
	for _, p := range pkgs {
		args = append(args, "github.com/faultline-dev/faultline/"+p)
	}
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// startHog starts the hog program and returns how to stop it.
func startHog(bin string, n int) (func(), error) {
	cmd := exec.Command(bin, "-n", fmt.Sprint(n), "-for", "2h")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }, nil
}
