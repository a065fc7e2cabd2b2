// Command hardening measures how a real `faultline serve` (and `run`)
// process holds up against a careless or hostile client, on loopback only,
// each figure beside a baseline measured in the same run:
//
//		go run ./bench/hardening
//
//	  - an alias-amplified plan of 990 KB (one route with a 500 KB body, then
//	    aliases of it) is refused by `validate` and by PUT /plan in under 1 s
//	    and 100 MB resident; the baseline is a plain plan of the same size;
//	  - 10,000 requests with a 60 KB User-Agent leave serve under 256 MB peak
//	    resident (VmHWM); the baseline is the same load with a short one;
//	  - 200 request bodies sent a byte a second are cut at --body-timeout;
//	  - SIGTERM with 50 requests in a 30 s latency fault, under load, exits 0
//	    within serve's 10 s drain time;
//	  - SIGINT 0.5 s into `faultline run` exits 130 with no scenario failed.
//
// It builds faultline into a temporary folder, prints each figure with
// PASS or FAIL, and exits 1 if a target is missed (2 if it cannot run).
// After the build it takes about 30 seconds and never more than 3 minutes.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const deadline = 3 * time.Minute

func main() { os.Exit(mainCode()) }

func mainCode() int {
	dir, err := os.MkdirTemp("", "faultline-hardening")
	if err != nil {
		log.Print(err)
		return 2
	}
	defer os.RemoveAll(dir)
	b := &bench{dir: dir, ok: true}
	if err := b.build(); err != nil {
		log.Printf("bench/hardening: %v", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	fmt.Printf("faultline hardening benchmark: a real faultline process on loopback; load average %s\n", loadAverage())
	for _, step := range []func(context.Context) error{b.amplifier, b.bigHeaders, b.slowBodies, b.sigterm, b.sigint} {
		if err := step(ctx); err != nil {
			log.Printf("bench/hardening: %v", err)
			return 2
		}
	}
	if !b.ok {
		return 1
	}
	return 0
}

type bench struct {
	dir, bin string
	ok       bool
}

// verdict prints one figure against its target.
func (b *bench) verdict(pass bool, format string, args ...any) {
	mark := "PASS"
	if !pass {
		mark, b.ok = "FAIL", false
	}
	fmt.Printf("  %s  %s\n", mark, fmt.Sprintf(format, args...))
}

// build compiles faultline (the go command's cache makes it quick after
// the first time; a loaded machine may take minutes the first time).
func (b *bench) build() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	b.bin = filepath.Join(b.dir, "faultline")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", b.bin, ".").CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build (run from the repository root): %v\n%s", err, out)
	}
	return nil
}

func (b *bench) write(name, content string) (string, error) {
	p := filepath.Join(b.dir, name)
	return p, os.WriteFile(p, []byte(content), 0o600)
}

// server is a running `faultline serve`.
type server struct {
	cmd           *exec.Cmd
	upstream      string
	admin         string
	exited        chan struct{}
	before, after time.Time
}

// serve starts faultline serve with args on free loopback ports and waits
// for its banner.
func (b *bench) serve(ctx context.Context, config string, args ...string) (*server, error) {
	cmd := exec.CommandContext(ctx, b.bin, append([]string{"serve", "--config", config, "--addr", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, exited: make(chan struct{})}
	sc := bufio.NewScanner(out)
	for (s.upstream == "" || s.admin == "") && sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "upstream" {
			s.upstream = f[1]
		}
		if len(f) >= 2 && f[0] == "admin" {
			s.admin = f[1]
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out); _ = cmd.Wait(); close(s.exited) }()
	if s.upstream == "" || s.admin == "" {
		s.stop()
		return nil, errors.New("faultline serve printed no URLs")
	}
	return s, nil
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// hwm is the process's peak resident set (VmHWM) in MB.
func (s *server) hwm() float64 { return vmHWM(s.cmd.Process.Pid) }

func vmHWM(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return -1
}

// amplifier: a 990 KB plan whose routes are aliases of one route with a
// 500 KB body, against a plain plan of the same size.
func (b *bench) amplifier(ctx context.Context) error {
	route := "  - &r {path: /big, respond: {body: " + strings.Repeat("x", 500_000) + "}}\n"
	amp := "seed: 1\nroutes:\n" + route + strings.Repeat("  - *r\n", (990_000-len(route))/7)
	plain := "seed: 1\nroutes:\n  - {path: /big, respond: {body: " + strings.Repeat("x", len(amp)-50) + "}}\n"
	ampFile, err := b.write("amp.yaml", amp)
	if err != nil {
		return err
	}
	plainFile, err := b.write("plain.yaml", plain)
	if err != nil {
		return err
	}
	fmt.Printf("alias amplifier: %d bytes, %d aliases of a 500,000-byte route; baseline a plain plan of %d bytes\n", len(amp), (990_000-len(route))/7, len(plain))
	for _, f := range []struct {
		name, file string
		want       int
	}{{"baseline plain plan", plainFile, 0}, {"amplifier", ampFile, 2}} {
		start := time.Now()
		cmd := exec.CommandContext(ctx, b.bin, "validate", f.file)
		out, _ := cmd.CombinedOutput()
		took := time.Since(start)
		cpu, rss := childUsage(cmd.ProcessState)
		code := cmd.ProcessState.ExitCode()
		// CPU time is the verdict: on a shared machine wall time mostly
		// measures the other processes.
		b.verdict(code == f.want && cpu < time.Second && rss < 100, "validate %-20s exit %d, %s CPU (%s wall), peak resident %.0f MB (target: exit %d, < 1 s, < 100 MB): %s",
			f.name, code, cpu.Round(time.Millisecond), took.Round(time.Millisecond), rss, f.want, firstLine(string(out)))
	}
	s, err := b.serve(ctx, plainFile)
	if err != nil {
		return err
	}
	defer s.stop()
	base := s.hwm()
	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, s.admin+"/plan", strings.NewReader(amp))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("PUT /plan: reading the answer: %w", err)
	}
	took := time.Since(start)
	after := s.hwm()
	b.verdict(resp.StatusCode == 400 && took < time.Second && after < 100, "PUT /plan amplifier: %d in %s, serve peak resident %.0f MB (%.0f MB before; target: 400, < 1 s, < 100 MB): %s",
		resp.StatusCode, took.Round(time.Millisecond), after, base, firstLine(string(body)))
	return nil
}

// bigHeaders: 10,000 requests with a 60 KB User-Agent, beside the same
// load with a short one.
func (b *bench) bigHeaders(ctx context.Context) error {
	plan, err := b.write("ok.yaml", "routes:\n  - {path: /ok, respond: {status: 200, body: ok}}\n")
	if err != nil {
		return err
	}
	fmt.Println("10,000 requests, 8 keep-alive connections; baseline: a 16-byte User-Agent")
	for _, ua := range []string{"faultline-bench", strings.Repeat("u", 60_000)} {
		s, err := b.serve(ctx, plan)
		if err != nil {
			return err
		}
		start := time.Now()
		if err := load(ctx, s.upstream+"/ok", ua, 10_000, 8); err != nil {
			s.stop()
			return err
		}
		took := time.Since(start)
		n, err := bodySize(ctx, s.admin+"/journal")
		if err != nil {
			s.stop()
			return err
		}
		hwm := s.hwm()
		s.stop()
		if len(ua) < 100 {
			fmt.Printf("  ----  baseline: %s, serve peak resident %.0f MB, GET /journal %.1f MB\n", took.Round(time.Millisecond), hwm, float64(n)/1e6)
			continue
		}
		b.verdict(hwm < 256, "60 KB User-Agent: %s, serve peak resident %.0f MB (target < 256 MB), GET /journal %.1f MB", took.Round(time.Millisecond), hwm, float64(n)/1e6)
	}
	return nil
}

// load sends n GETs with User-Agent ua over conns connections.
func load(ctx context.Context, url, ua string, n, conns int) error {
	tr := &http.Transport{MaxIdleConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				req.Header.Set("User-Agent", ua)
				resp, err := c.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("GET %s: %d", url, resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					firstErr = cmp(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	return firstErr
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func bodySize(ctx context.Context, url string) (int64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(io.Discard, resp.Body)
}

// slowBodies: 200 request bodies sent a byte a second, against
// --body-timeout 2s.
func (b *bench) slowBodies(ctx context.Context) error {
	const conns, timeout = 200, 2 * time.Second
	plan, err := b.write("ok.yaml", "routes:\n  - {path: /ok, respond: {status: 200, body: ok}}\n")
	if err != nil {
		return err
	}
	s, err := b.serve(ctx, plan, "--body-timeout", timeout.String())
	if err != nil {
		return err
	}
	defer s.stop()
	addr := strings.TrimPrefix(s.upstream, "http://")
	closed := make(chan bool, conns)
	for range conns {
		go func() { closed <- slowBody(addr) }()
	}
	n := 0
	for range conns {
		if <-closed {
			n++
		}
	}
	// The time is judged from what serve recorded: each entry's duration,
	// from the request's headers to its answer.
	var took []time.Duration
	entries, err := journal(ctx, s.admin)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.End == "body_timeout" && e.Status == 408 {
			took = append(took, e.Duration)
		}
	}
	slices.Sort(took)
	if len(took) == 0 {
		b.verdict(false, "slow bodies: none of %d journaled as body_timeout", conns)
		return nil
	}
	b.verdict(len(took) == conns && n == conns && took[0] >= timeout && took[len(took)-1] < timeout+time.Second,
		"slow bodies: %d of %d closed by serve; journal: %d answered 408 (end body_timeout) after %s (min) %s (median) %s (max); --body-timeout %s (target: all, within [timeout, timeout+1s])",
		n, conns, len(took), took[0].Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond), timeout)
	return nil
}

// slowBody sends a request whose 100-byte body comes a byte a second, and
// reports whether serve closed the connection (EOF or reset) within 15 s.
func slowBody(addr string) bool {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.WriteString(c, "POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"); err != nil {
		return false
	}
	go func() {
		for range 100 {
			time.Sleep(time.Second)
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	_, err = io.Copy(io.Discard, c)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout()) // EOF, or a reset: closed by serve
}

type entry struct {
	End      string        `json:"end"`
	Status   int           `json:"status"`
	Duration time.Duration `json:"duration_ns"`
}

func journal(ctx context.Context, admin string) ([]entry, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, admin+"/journal", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []entry
	dec := json.NewDecoder(resp.Body)
	for {
		var e entry
		if err := dec.Decode(&e); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
}

// sigterm: 50 requests held in a 30 s latency fault while 8 connections
// keep fast requests coming; then SIGTERM.
func (b *bench) sigterm(ctx context.Context) error {
	const drain = 10 * time.Second // cmd/serve.go's drainTimeout
	plan, err := b.write("slow.yaml", "routes:\n  - {path: /ok, respond: {status: 200, body: ok}}\n  - path: /slow\n    respond: {status: 200}\n    faults: [{latency: {fixed: 30s}}]\n")
	if err != nil {
		return err
	}
	s, err := b.serve(ctx, plan)
	if err != nil {
		return err
	}
	defer s.stop()
	held := make(chan error, 50)
	client := &http.Client{Timeout: 3 * drain} // longer than a drain: serve must close these first
	for range 50 {
		go func() {
			resp, err := client.Get(s.upstream + "/slow")
			if err == nil {
				resp.Body.Close()
				err = fmt.Errorf("answered %d", resp.StatusCode)
			}
			held <- err
		}()
	}
	loadCtx, stopLoad := context.WithCancel(ctx)
	loaded := make(chan struct{})
	go func() { _ = load(loadCtx, s.upstream+"/ok", "bench", 1_000_000, 8); close(loaded) }()
	time.Sleep(time.Second)
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		stopLoad()
		return err
	}
	select {
	case <-s.exited:
	case <-time.After(2 * drain):
	}
	took := time.Since(start)
	stopLoad()
	<-loaded
	code := -1
	if s.cmd.ProcessState != nil {
		code = s.cmd.ProcessState.ExitCode()
	}
	closed := 0
	for range 50 {
		if err := <-held; err != nil && !strings.HasPrefix(err.Error(), "answered") {
			closed++
		}
	}
	b.verdict(code == 0 && took < drain, "SIGTERM under load with 50 requests in a 30 s latency: exit %d after %s, %d of 50 held connections closed (target: exit 0 within the %s drain)",
		code, took.Round(time.Millisecond), closed, drain)
	return nil
}

// sigint: SIGINT half a second into `faultline run` (the built-in library).
func (b *bench) sigint(ctx context.Context) error {
	out := filepath.Join(b.dir, "run.json")
	cmd := exec.CommandContext(ctx, b.bin, "run", "--seed", "1", "--json", out, "--no-color")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	_ = cmd.Process.Signal(os.Interrupt)
	_ = cmd.Wait()
	took := time.Since(start)
	var rep struct {
		Interrupted bool `json:"interrupted"`
		Summary     struct {
			Total, Passed, Failed, Skipped, Interrupted int
		} `json:"summary"`
	}
	data, err := os.ReadFile(out)
	if err == nil {
		err = json.Unmarshal(data, &rep)
	}
	if err != nil {
		b.verdict(false, "SIGINT at 0.5 s into run: no JSON report (%v), exit %d", err, cmd.ProcessState.ExitCode())
		return nil
	}
	s := rep.Summary
	b.verdict(cmd.ProcessState.ExitCode() == 130 && rep.Interrupted && s.Failed == 0,
		"SIGINT at 0.5 s into run: exit %d after %s; %d scenarios: %d passed, %d failed, %d skipped, %d interrupted (target: exit 130, none failed)",
		cmd.ProcessState.ExitCode(), took.Round(time.Millisecond), s.Total, s.Passed, s.Failed, s.Skipped, s.Interrupted)
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 140 {
		s = s[:140] + "…"
	}
	return s
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
