package cassettes

import (
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds corrupt cassettes to the loader: it must never panic, must
// fail with a *FormatError, and whatever it accepts must replay and survive
// a save and reload.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(validYAML))
	f.Add([]byte(leakyYAML))
	for _, cut := range []int{10, 40, 120, 200} {
		f.Add([]byte(validYAML[:min(cut, len(validYAML))]))
	}
	f.Add([]byte("version: 2\ninteractions:\n  - request: {method: GET, url: 'http://a/?%zz'}\n    response: {code: 200}\n"))
	f.Add([]byte("version: 2\ninteractions: [{request: {method: GET, url: ':'}, response: {code: 200, duration: 1h}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decode("fuzz.yaml", data)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalidCassette) {
				t.Fatalf("error is not a FormatError: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if len(c.Interactions) == 0 {
			t.Fatal("accepted a cassette without interactions")
		}
		rp := NewReplayer(c, ReplayOptions{})
		rp.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := c.Save(path); err != nil {
			t.Fatalf("save accepted cassette: %v", err)
		}
		again, err := Load(path)
		if err != nil {
			t.Fatalf("reload saved cassette: %v", err)
		}
		if len(again.Interactions) != len(c.Interactions) {
			t.Fatalf("reload: %d interactions, saved %d", len(again.Interactions), len(c.Interactions))
		}
	})
}

// FuzzImportHAR: a HAR file never panics the importer, is refused with a
// *FormatError, and what it accepts exports and imports back the same.
func FuzzImportHAR(f *testing.F) {
	f.Add([]byte(sampleHAR))
	f.Add([]byte("\xef\xbb\xbf" + sampleHAR))
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"GET","url":"http://a/x","headers":[{"name":"a","value":["b"]}]},"response":{"status":200}}]}}`))
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"GET","url":"http://a/x"},"response":{"status":200,"content":{"_isBinary":true,"text":"[\"00ff\"]"}}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := ImportHAR(strings.NewReader(string(data)), nil)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("not a *FormatError: %v", err)
			}
			return
		}
		back, err := roundTrip(c)
		if err != nil {
			t.Fatalf("export then import: %v", err)
		}
		if d := lossless(c, back); len(d) > 0 {
			t.Fatalf("round trip lost %v", d)
		}
	})
}
