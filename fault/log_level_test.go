package fault

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/faultline-dev/faultline/internal/reqlog"
)

// The request line honours the logger's level whichever way it is
// written: reqlog's own path (a plain path), slog's (a path JSON escapes),
// or a logger whose handler is not reqlog's.
func TestRequestLineHonoursTheLoggersLevel(t *testing.T) {
	handlers := map[string]func(*bytes.Buffer, slog.Level) slog.Handler{
		"reqlog": func(b *bytes.Buffer, l slog.Level) slog.Handler {
			return reqlog.NewJSON(b, &slog.HandlerOptions{Level: l})
		},
		"text": func(b *bytes.Buffer, l slog.Level) slog.Handler {
			return slog.NewTextHandler(b, &slog.HandlerOptions{Level: l})
		},
	}
	for name, mk := range handlers {
		for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
			var log bytes.Buffer
			h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}),
				&Plan{Routes: []Route{{Name: "x", Match: Match{Path: "/"}}}}, WithLogger(slog.New(mk(&log, level))))
			for _, path := range []string{"/plain", "/esc%22aped"} {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
			}
			lines := strings.Count(log.String(), "\n")
			if level == slog.LevelInfo {
				assert.Equal(t, 2, lines, "%s at %s: %s", name, level, log.String())
				assert.Contains(t, log.String(), "esc")
			} else {
				assert.Zero(t, lines, "%s at %s: %s", name, level, log.String())
			}
		}
	}
}
