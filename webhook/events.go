package webhook

import (
	"encoding/json"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/internal/yamlx"
)

// Event is one sample event: a type and its JSON payload (the provider's
// data object, before the envelope).
type Event struct {
	Type    string
	Payload json.RawMessage
}

// LoadEvents reads an events file (YAML or JSON; see the package doc).
func LoadEvents(path string) ([]Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: events file: %w", ErrOptions, err)
	}
	return parseEvents(path, data)
}

type eventsFile struct {
	Events []yaml.Node `yaml:"events"`
}

type eventEntry struct {
	Type    string         `yaml:"type"`
	Payload map[string]any `yaml:"payload"`
}

func parseEvents(name string, data []byte) ([]Event, error) {
	f, err := yamlx.Parse(name, data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	var doc eventsFile
	if err := yamlx.Decode(f, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	if len(doc.Events) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrOptions, yamlx.Errorf(name, f.Root, "events: at least one event is required"))
	}
	out := make([]Event, 0, len(doc.Events))
	for i := range doc.Events {
		n := &doc.Events[i]
		var e eventEntry
		if err := f.Decode(n, &e, fmt.Sprintf("events[%d]", i)); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOptions, err)
		}
		if e.Type == "" {
			return nil, fmt.Errorf("%w: %w", ErrOptions, yamlx.Errorf(name, n, "events[%d].type is required", i))
		}
		if e.Payload == nil {
			e.Payload = map[string]any{}
		}
		raw, err := json.Marshal(e.Payload)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOptions, yamlx.Errorf(name, n, "events[%d].payload: %v", i, err))
		}
		out = append(out, Event{Type: e.Type, Payload: raw})
	}
	return out, nil
}

// builtinEvents are the samples used without an events file.
func builtinEvents(scheme string) []Event {
	ev := func(typ, payload string) Event { return Event{Type: typ, Payload: json.RawMessage(payload)} }
	switch scheme {
	case "stripe":
		return []Event{
			ev("invoice.paid", `{"object":"invoice","amount_paid":2000,"currency":"eur","customer":"cus_faultline"}`),
			ev("customer.subscription.updated", `{"object":"subscription","status":"active","customer":"cus_faultline"}`),
		}
	case "github":
		return []Event{
			ev("push", `{"ref":"refs/heads/main","after":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","repository":{"full_name":"octo/faultline"}}`),
			ev("issues", `{"action":"opened","issue":{"number":7,"title":"flaky webhook"},"repository":{"full_name":"octo/faultline"}}`),
		}
	case "shopify":
		return []Event{
			ev("orders/create", `{"id":820982911946154508,"total_price":"199.00","currency":"EUR"}`),
			ev("orders/paid", `{"id":820982911946154508,"financial_status":"paid"}`),
		}
	case "slack":
		return []Event{
			ev("app_mention", `{"user":"U061F7AUR","text":"<@U0LAN0Z89> is it everything a river should be?","channel":"C0LAN2Q65"}`),
			ev("message", `{"user":"U061F7AUR","text":"hello","channel":"C0LAN2Q65"}`),
		}
	default:
		return []Event{
			ev("invoice.paid", `{"invoice":"in_faultline","amount":2000,"currency":"eur"}`),
			ev("user.created", `{"user":"u_faultline","email":"dev@example.com"}`),
		}
	}
}
