package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// browserSuite has three scenarios that fail with a known number of
// attempts (the reference client's max_attempts) and one that passes.
var browserSuite = map[string]string{
	"always-503.yaml": failing("always-503", "status: {code: 503}", 3),
	"always-500.yaml": failing("always-500", "status: {code: 500}", 2),
	"reset.yaml":      failing("connection-reset", "reset: {}", 4),
	"ok.yaml":         "version: 1\nname: passes\ntags: [light]\nupstream: {routes: [{path: /a, respond: {status: 200}}]}\nclient: {calls: [{path: /a}]}\nchecks: [outcome: success]\n",
}

func failing(name, fault string, attempts int) string {
	return fmt.Sprintf(`version: 1
name: %s
tags: [retry, full]
upstream:
  routes:
    - path: /a
      respond: {status: 200}
      faults: [{%s}]
client:
  reference: {policy: {retry: {max_attempts: %d, base_delay: 5ms, max_delay: 20ms}, breaker: {enabled: false}}}
  calls: [{path: /a}]
checks: [outcome: success]
`, name, fault, attempts)
}

// chromiumPath finds Debian's chromium (or another Chrome) or skips.
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not found: apt-get install chromium (.ci/run does) to test the HTML report in a browser")
	return ""
}

// TestHTMLReportInBrowser opens an HTML report of a failing run in headless
// Chromium: it must render with no console errors or exceptions, each
// failing scenario's timeline must hold one mark per attempt the upstream
// saw, the status filter must hide what it filters out, and a screenshot is
// saved (kept with go test -artifacts).
func TestHTMLReportInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	dir := t.TempDir()
	suite := filepath.Join(dir, "suite")
	require.NoError(t, os.MkdirAll(suite, 0o755))
	for name, src := range browserSuite {
		require.NoError(t, os.WriteFile(filepath.Join(suite, name), []byte(src), 0o644))
	}
	page, jsonOut := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.json")
	code, out := execute("run", suite, "--seed", "4", "--html", page, "--json", jsonOut)
	require.Equal(t, ExitFailed, code, out)
	want := failingAttempts(t, jsonOut)
	require.Equal(t, map[string]int{"always-503": 3, "always-500": 2, "connection-reset": 4}, want,
		"the upstream saw max_attempts attempts of each failing call")

	ctx, cancel := browser(t, chromium)
	defer cancel()
	console := collectConsole(ctx)
	var marks map[string]int
	var svgWidth float64
	var visibleAfterFilter []string
	var shot []byte
	run := func(a chromedp.Action[chromedp.Void]) { require.NoError(t, chromedp.Do(ctx, a)) }
	run(chromedp.Navigate("file://" + page))
	run(chromedp.WaitVisible(chromedp.CSS("details.scenario")))
	marks = evaluate[map[string]int](t, ctx, `Object.fromEntries([...document.querySelectorAll('details.scenario[data-status="failed"]')].map(
		d => [d.querySelector('.name').textContent, d.querySelectorAll('svg.timeline g.attempt').length]))`)
	svgWidth = evaluate[float64](t, ctx, `document.querySelector('svg.timeline').getBoundingClientRect().width`)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	run(chromedp.Click(chromedp.CSS(`button[data-status="passed"]`)))
	visibleAfterFilter = evaluate[[]string](t, ctx, `[...document.querySelectorAll('details.scenario')].filter(d => !d.hidden).map(d => d.querySelector('.name').textContent)`)

	assert.Empty(t, console(t), "the page logs no errors or warnings and throws nothing")
	assert.Equal(t, want, marks, "one attempt mark per attempt in each failing scenario's timeline")
	assert.Greater(t, svgWidth, 300.0, "the timeline is drawn at a readable width")
	assert.Equal(t, []string{"passes"}, visibleAfterFilter, "the passed filter shows only the passed scenario")

	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err, "the screenshot is a PNG")
	assert.Greater(t, img.Bounds().Dy(), 400)
	shotPath := filepath.Join(t.ArtifactDir(), "html-report.png")
	require.NoError(t, os.WriteFile(shotPath, shot, 0o644))
	t.Logf("screenshot: %s (%d bytes; keep it with go test -artifacts -outputdir DIR)", shotPath, len(shot))
}

// failingAttempts reads the JSON report: each failing scenario's name and
// the number of attempts in its timeline.
func failingAttempts(t *testing.T, path string) map[string]int {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc struct {
		Scenarios []struct {
			Name     string `json:"name"`
			Status   string `json:"status"`
			Timeline []any  `json:"timeline"`
		} `json:"scenarios"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	out := map[string]int{}
	for _, sc := range doc.Scenarios {
		if sc.Status == "failed" {
			out[sc.Name] = len(sc.Timeline)
		}
	}
	return out
}

// browser starts headless Chromium; root (as in CI containers) needs
// --no-sandbox.
func browser(t *testing.T, path string) (context.Context, context.CancelFunc) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	return ctx, func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
}

func evaluate[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}

// endMarker is logged last, so that the console reader knows it has seen
// every message the page wrote before.
const endMarker = "faultline-test: end of console"

// collectConsole subscribes to the page's console (console API calls,
// uncaught exceptions, browser log entries) and returns a func that logs
// the end marker and returns the errors and warnings seen before it.
func collectConsole(ctx context.Context) func(t *testing.T) []string {
	messages := chromedp.Console(ctx)
	var problems []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil || m.Text == endMarker {
				return
			}
			switch m.Type {
			case chromedp.ConsoleType("log"), chromedp.ConsoleType("info"), chromedp.ConsoleType("debug"):
			default:
				problems = append(problems, fmt.Sprintf("%s: %s", m.Type, m.Text))
			}
		}
	}()
	return func(t *testing.T) []string {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("console.log(%q)", endMarker)))
		require.NoError(t, err)
		select {
		case <-done:
		case <-ctx.Done():
			t.Fatal("the console never showed the end marker")
		}
		return problems
	}
}
