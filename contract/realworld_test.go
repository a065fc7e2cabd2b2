package contract_test

import (
	"bytes"
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
	name string
	file string
	ops  int
}{
	{"twilio-messaging", "twilio_messaging_v1.yaml", 58},
	{"twilio-2010", "twilio_api_v2010.yaml", 197},
	{"openai", "openai-openapi.yaml", 288},
	{"digitalocean", "digitalocean/specification/DigitalOcean-public.v2.yaml", 659},
}

// TestRealSpecs loads each real spec, builds a request for every operation
// from the spec's own examples (or generated values), checks the contract
// accepts it, serves it, and checks the answer is valid for the spec. Where
// the spec defeats faultline (a schema no generated value satisfies), the
// miss must have been reported as a warning, and misses stay rare. Under
// -race every 8th operation is swept, to keep CI's time.
func TestRealSpecs(t *testing.T) {
	if testing.Short() {
		t.Skip("loads four large specs")
	}
	for _, rs := range realSpecs {
		t.Run(rs.name, func(t *testing.T) {
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
	swept, badReq, badResp := 0, 0, 0
	for i, op := range spec.Operations() {
		if i%sampleEvery != 0 {
			continue
		}
		swept++
		req, err := spec.ExampleRequest(op, 42)
		require.NoError(t, err, op.Name())
		got, vs := spec.ValidateRequest(req)
		require.Same(t, op, got, "routing %s %s", req.Method, req.URL)
		if len(vs) > 0 {
			badReq++
			require.True(t, warned(spec.Warnings, op), "%s: request outside the contract without a warning: %v", op.Name(), vs)
		}
		req, _ = spec.ExampleRequest(op, 42)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if len(vs) > 0 {
			require.Equal(t, 400, rec.Code, op.Name())
			continue
		}
		body, _ := io.ReadAll(rec.Body)
		require.False(t, bytes.Contains(body, []byte("faultline: request breaks")), op.Name())
		req, _ = spec.ExampleRequest(op, 42)
		if _, rvs := spec.ValidateResponse(req, rec.Code, rec.Header(), body); len(rvs) > 0 {
			badResp++
			require.True(t, warned(h.Warnings(), op), "%s: answer outside the contract without a warning: %v", op.Name(), rvs)
		}
	}
	t.Logf("%s: swept %d operations in %s; %d requests and %d answers outside the contract (each warned); %d answer warnings",
		name, swept, time.Since(start).Round(time.Millisecond), badReq, badResp, len(h.Warnings()))
	require.LessOrEqual(t, badReq*20, swept, "more than 5%% of requests built from the spec break it")
	require.LessOrEqual(t, badResp*10, swept, "more than 10%% of answers break the spec")
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
