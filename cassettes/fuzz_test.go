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
