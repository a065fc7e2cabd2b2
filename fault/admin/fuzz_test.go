package admin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/faultline-dev/faultline/fault"
)

// FuzzAdmin: whatever request reaches the admin API (method, target,
// Host, Origin, body), it answers without panicking, every refusal is a
// JSON error, and the plan changes only through an accepted PUT /plan
// from a loopback Host.
func FuzzAdmin(f *testing.F) {
	for _, s := range []string{
		"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8081\r\n\r\n",
		"GET /journal?since=3 HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"GET /journal HTTP/1.1\r\nHost: evil.example\r\n\r\n",
		"POST /reset HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\n\r\n",
		"PUT /plan HTTP/1.1\r\nHost: [::1]:8081\r\nContent-Length: 24\r\n\r\nroutes: [{path: /other}]",
		"PUT /plan HTTP/1.1\r\nHost: 127.0.0.1\r\nSec-Fetch-Site: cross-site\r\nContent-Length: 24\r\n\r\nroutes: [{path: /other}]",
		"PUT /plan HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nroute\r\n0\r\n\r\n",
		"DELETE /plan HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
		"GET /%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	plan, err := fault.LoadPlan("plan.yaml", []byte(adminPlan))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		h := fault.Wrap(nil, plan)
		defer h.Close()
		a := New(h, Config{Metrics: NewMetrics()})
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		if rec.Code >= 400 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%d with a body that is not JSON: %q", rec.Code, rec.Body.String())
		}
		if !loopbackHost(req.Host) && rec.Code != http.StatusForbidden {
			t.Fatalf("Host %q answered %d, want 403", req.Host, rec.Code)
		}
		swapped := h.Plan() != plan
		accepted := req.Method == http.MethodPut && req.URL.Path == "/plan" && rec.Code == http.StatusOK
		if swapped != accepted {
			t.Fatalf("plan swapped %v, PUT /plan accepted %v (%d %s)", swapped, accepted, rec.Code, rec.Body.String())
		}
	})
}
