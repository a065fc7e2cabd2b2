package contract_test

import (
	"flag"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/contract"
)

// realworld finds ../shared/realworld/openapi beside the repository (a
// worktree or a CI clone), walking up from the package directory; it
// skips the test when absent.
func realworld(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "shared", "realworld", "openapi", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	t.Skipf("real-world spec %s not found in a shared/realworld/openapi beside the repository: skipping", name)
	return ""
}

var realSpecs = []struct {
	name  string
	file  string
	ops   int
	large bool // not swept under -race (see race_test.go)
}{
	{"twilio-messaging", "twilio_messaging_v1.yaml", 58, false},
	{"twilio-2010", "twilio_api_v2010.yaml", 197, true},
	{"openai", "openai-openapi.yaml", 288, true},
	{"digitalocean", "digitalocean/specification/DigitalOcean-public.v2.yaml", 659, true},
}

// sampleEvery is the share of each real spec's operations swept.
var sampleEvery = flag.Int("realworld.every", defaultEvery, "sweep every Nth operation of the real specs (default 1; 8 under -race)")

// skipLargeUnderRace skips a test of a large real spec under -race.
func skipLargeUnderRace(t *testing.T) {
	if raceDetector {
		t.Skip("a large real spec under -race takes minutes for no concurrency of its own: make test runs it without -race")
	}
}

// cannotGenerate lists, by operation, the requests no value drawn from the
// spec can make valid, and why: the spec's own defects. Every other
// request built from a real spec must conform, and every answer must.
var cannotGenerate = map[string]string{
	"POST /v2/droplets/actions (dropletActions_post_byTag)": "the body is oneOf droplet_action and droplet_action_snapshot, and droplet_action_snapshot is allOf droplet_action plus an optional name: every action matches both branches (only a non-string name would tell them apart), and oneOf wants exactly one",
}

// TestRealSpecs loads each real spec, builds a request for every operation
// from the spec's own examples (or generated values), checks the contract
// accepts it, serves it, and checks the answer is valid for the spec: no
// answer may break the spec, and no request but those cannotGenerate
// lists (whose miss must be warned). Under -race only the small spec is
// swept, every 8th operation (see race_test.go).
func TestRealSpecs(t *testing.T) {
	if testing.Short() {
		t.Skip("loads four large specs")
	}
	for _, rs := range realSpecs {
		t.Run(rs.name, func(t *testing.T) {
			if rs.large {
				skipLargeUnderRace(t)
			}
			t.Parallel()
			start := time.Now()
			spec := realSpec(t, rs.file)
			require.Len(t, spec.Operations(), rs.ops)
			sweepSpec(t, rs.name, spec, start)
		})
	}
}

// loadedSpecs holds each real spec loaded once per test binary: loading
// DigitalOcean's 2,900 files takes seconds, and several tests read it.
var loadedSpecs sync.Map // file -> *loadedSpec

type loadedSpec struct {
	once sync.Once
	spec *contract.Spec
	err  error
}

// realSpec returns the real spec named file, loaded on first use and
// shared by every test after; it skips the test when the file is absent.
func realSpec(t testing.TB, file string) *contract.Spec {
	t.Helper()
	path := realworld(t, file)
	v, _ := loadedSpecs.LoadOrStore(file, &loadedSpec{})
	l := v.(*loadedSpec)
	l.once.Do(func() {
		start := time.Now()
		l.spec, l.err = contract.Load(path)
		if l.err == nil {
			t.Logf("%s: loaded in %s, %d operations, %d load warnings", file, time.Since(start).Round(time.Millisecond), len(l.spec.Operations()), len(l.spec.Warnings))
		}
	})
	require.NoError(t, l.err)
	return l.spec
}

func sweepSpec(t *testing.T, name string, spec *contract.Spec, start time.Time) {
	h := spec.Handler(42)
	swept, listed := 0, 0
	for i, op := range spec.Operations() {
		if i%max(*sampleEvery, 1) != 0 {
			continue
		}
		swept++
		req, err := spec.ExampleRequest(op, 42)
		require.NoError(t, err, op.Name())
		// Inspect judges the request as serve does and hands the verdict
		// to the handler, so it is judged once.
		judged, notes := spec.Inspect(req)
		require.Equal(t, op.Name(), notes[contract.NoteOperation], "routing %s %s", req.Method, req.URL)
		if why, ok := cannotGenerate[op.Name()]; ok {
			require.NotEmpty(t, notes[contract.NoteViolation], "%s is listed as impossible (%s) but its request conforms: take it off the list", op.Name(), why)
			require.True(t, warned(spec.Warnings, op), "%s: request outside the contract without a warning", op.Name())
			listed++
			continue
		}
		require.Empty(t, notes[contract.NoteViolation], "%s: the request built from the spec breaks it", op.Name())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, judged)
		body, _ := io.ReadAll(rec.Body)
		require.NotEqual(t, contract.Ungenerable, rec.Code, "%s: %s", op.Name(), body)
		_, rvs := spec.ValidateResponse(judged, rec.Code, rec.Header(), body)
		require.Empty(t, rvs, "%s: the answer breaks the spec", op.Name())
	}
	t.Logf("%s: swept %d operations in %s, every request and answer within the contract but %d listed as impossible; %d answer warnings (examples that break their schemas)",
		name, swept, time.Since(start).Round(time.Millisecond), listed, len(h.Warnings()))
}

// warned reports whether a warning names the operation.
func warned(ws []contract.Warning, op *contract.Operation) bool {
	for _, w := range ws {
		if w.Where == op.Name() {
			return true
		}
	}
	return false
}
