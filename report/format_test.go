package report

import (
	"testing"
	"time"
)

func TestCompactDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0ms"},
		{-time.Second, "0ms"},
		{400 * time.Microsecond, "0ms"},
		{12 * time.Millisecond, "12ms"},
		{999 * time.Millisecond, "999ms"},
		{999600 * time.Microsecond, "1.0s"},
		{time.Second, "1.0s"},
		{1250 * time.Millisecond, "1.3s"}, // halves round up
		{59900 * time.Millisecond, "59.9s"},
		{59960 * time.Millisecond, "1m0s"},
		{65 * time.Second, "1m5s"},
		{65*time.Second + 600*time.Millisecond, "1m6s"},
		{time.Hour + 2*time.Minute, "1h2m0s"},
	}
	for _, tt := range tests {
		if got := compactDuration(tt.in); got != tt.want {
			t.Errorf("compactDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTimeline(t *testing.T) {
	steps := []Step{
		{Label: "503"},
		{Label: "429 (Retry-After 2)", Wait: time.Second},
		{Label: "reset"}, // no measured wait
		{Label: "200", Wait: 2 * time.Second},
	}
	if got, want := timeline(steps, false), "503 ─1.0s─▶ 429 (Retry-After 2) ─▶ reset ─2.0s─▶ 200"; got != want {
		t.Errorf("unicode timeline = %q, want %q", got, want)
	}
	if got, want := timeline(steps, true), "503 -1.0s-> 429 (Retry-After 2) -> reset -2.0s-> 200"; got != want {
		t.Errorf("ascii timeline = %q, want %q", got, want)
	}
	if got := timeline(steps[:1], true); got != "503" {
		t.Errorf("single step = %q", got)
	}
	if got := timeline(nil, true); got != "" {
		t.Errorf("no steps = %q", got)
	}
}

func TestXMLSafe(t *testing.T) {
	tests := map[string]string{
		"plain <&> text":        "plain <&> text",
		"tab\tnl\ncr\r":         "tab\tnl\ncr\r",
		"nul\x00bel\x07esc\x1b": "nul\uFFFDbel\uFFFDesc\uFFFD",
		"bad utf8 \xff\xfe":     "bad utf8 \uFFFD",
		"nonchar \uFFFE":        "nonchar \uFFFD",
		"emoji 😀 ok":            "emoji 😀 ok",
	}
	for in, want := range tests {
		if got := xmlSafe(in); got != want {
			t.Errorf("xmlSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
