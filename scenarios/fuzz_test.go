package scenarios

import (
	"errors"
	"github.com/faultline-dev/faultline/fault"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad: whatever the bytes, Load returns a valid scenario or one line of
// error wrapping fault.ErrInvalid; it never panics.
func FuzzLoad(f *testing.F) {
	lib, err := fs.Glob(libraryFS, "library/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range lib {
		data, err := libraryFS.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	files, _ := filepath.Glob("testdata/load/*/*.y*ml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "{}", "[]", "~", "version: 1", "version: 1\nname: x\n", "\t", "&a [*a]", "version: !!binary x",
		fullScenario,
		checkYAML("- outcome"),
		checkYAML("attempts: {exact: 2, min: 1}"),
		checkYAML("rate_below: {rps: 1e308, window: 9999999h}"),
		checkYAML("latency: {p50: 1ns}\n  - backoff: {min: 1ns, jitter: null}"),
		strings.Replace(checkYAML("outcome: success"), "checks:", "tags: [retry, retry]\nchecks:", 1),
		"version: 1\nname: x\nupstream:\n  routes: &r\n    - path: /a\nclient:\n  calls: *r\nchecks:\n  - outcome: success\n",
		"version: 1\nname: &n x\nupstream: {routes: [{path: /a, name: *n}]}\nclient: {exec: {command: &c [retry]}, calls: [{path: /a}]}\ntags: *c\nchecks: [{outcome: success}, *n]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Load("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("error does not wrap fault.ErrInvalid: %v", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml") {
					t.Fatalf("want every line naming the file, got %q", err.Error())
				}
			}
			if sc != nil {
				t.Fatalf("a scenario with an error: %+v", sc)
			}
			return
		}
		if strings.TrimSpace(sc.Name) == "" || sc.Plan == nil || len(sc.Client.Calls) == 0 || len(sc.Checks) == 0 {
			t.Fatalf("an incomplete scenario passed: %+v", sc)
		}
		if sc.Client.Reference == nil && sc.Client.Exec == nil {
			t.Fatalf("no client to run: %+v", sc.Client)
		}
		for _, c := range sc.Client.Calls {
			if !strings.HasPrefix(c.Path, "/") || c.Count < 1 || c.Concurrency < 1 {
				t.Fatalf("an invalid call passed: %+v", c)
			}
		}
	})
}
