package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
)

// NoEffectCounter is the SkipReason of a case judged by effect counts, and
// the message of such a skipped check, when the Options give no effect
// counter (Effects, EffectsURL and EffectsCmd all unset).
const NoEffectCounter = "no effect counter: Options set none of Effects, EffectsURL or EffectsCmd, so exactly-once cannot be judged"

// EffectCounter reports how many times a handler performed an event's
// effect.
type EffectCounter interface {
	Effects(ctx context.Context, eventID string) (int, error)
}

// CounterFunc adapts a function to EffectCounter.
type CounterFunc func(ctx context.Context, eventID string) (int, error)

// Effects implements EffectCounter.
func (f CounterFunc) Effects(ctx context.Context, id string) (int, error) { return f(ctx, id) }

// ErrEffects is wrapped by errors reading an effect count.
var ErrEffects = errors.New("cannot read effect count")

// urlCounter implements the effects-URL contract: GET → {"id": count}.
type urlCounter struct {
	url    string
	client *http.Client
}

func (u urlCounter) Effects(ctx context.Context, id string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.url, nil)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrEffects, err)
	}
	resp, err := u.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%w: GET %s: %w", ErrEffects, u.url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, fmt.Errorf("%w: GET %s: %w", ErrEffects, u.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%w: GET %s answered %d, want 200", ErrEffects, u.url, resp.StatusCode)
	}
	var counts map[string]int
	if err := json.Unmarshal(body, &counts); err != nil {
		return 0, fmt.Errorf("%w: GET %s: want a JSON object of counts like {\"evt_1\": 1}: %w", ErrEffects, u.url, err)
	}
	return counts[id], nil
}

// cmdCounter runs a shell command printing the count for {event_id}.
type cmdCounter struct{ cmd string }

func (c cmdCounter) Effects(ctx context.Context, id string) (int, error) {
	line := strings.ReplaceAll(c.cmd, "{event_id}", shellQuote(id))
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%w: command %q for %s: %w: %s", ErrEffects, c.cmd, id, err, firstLine(stderr.String()))
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return 0, fmt.Errorf("%w: command %q for %s printed %q, want one integer", ErrEffects, c.cmd, id, firstLine(string(out)))
	}
	return n, nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// counterFor picks the configured counter, or nil.
func counterFor(o Options, client *http.Client) EffectCounter {
	switch {
	case o.Effects != nil:
		return o.Effects
	case o.EffectsURL != "":
		return urlCounter{url: o.EffectsURL, client: client}
	case o.EffectsCmd != "":
		return cmdCounter{cmd: o.EffectsCmd}
	}
	return nil
}
