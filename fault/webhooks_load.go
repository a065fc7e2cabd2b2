package fault

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/internal/webhooksig"
	"github.com/faultline-dev/faultline/internal/yamlx"
)

type webhookFile struct {
	Name      string `yaml:"name"`
	Target    string `yaml:"target"`
	Scheme    string `yaml:"scheme"`
	Secret    string `yaml:"secret"`
	SecretEnv string `yaml:"secret_env"`
	HMAC      struct {
		Header          string `yaml:"header"`
		Encoding        string `yaml:"encoding"`
		Prefix          string `yaml:"prefix"`
		Signed          string `yaml:"signed"`
		TimestampHeader string `yaml:"timestamp_header"`
		IDHeader        string `yaml:"id_header"`
		IDField         string `yaml:"id_field"`
	} `yaml:"hmac"`
	On *struct {
		Method string `yaml:"method"`
		Path   string `yaml:"path"`
		Status string `yaml:"status"`
	} `yaml:"on"`
	Every  yamlx.Duration `yaml:"every"`
	Events []struct {
		Type string         `yaml:"type"`
		JSON map[string]any `yaml:"json"`
	} `yaml:"events"`
	Faults struct {
		Duplicate      int              `yaml:"duplicate"`
		Concurrent     int              `yaml:"concurrent"`
		Delay          yamlx.Duration   `yaml:"delay"`
		Reorder        bool             `yaml:"reorder"`
		BadSignature   bool             `yaml:"bad_signature"`
		StaleTimestamp yamlx.Duration   `yaml:"stale_timestamp"`
		Redeliver      []yamlx.Duration `yaml:"redeliver"`
		TimeScale      float64          `yaml:"time_scale"`
	} `yaml:"faults"`
}

func decodeWebhooks(f *yamlx.File, n *yaml.Node, path string) ([]Webhook, error) {
	if n.IsZero() {
		return nil, nil
	}
	var files []webhookFile
	if n.Kind != yaml.SequenceNode {
		return nil, yamlx.Errorf(f.Name, n, "%s: expected a list of webhooks", path)
	}
	if err := f.Decode(n, &files, path); err != nil {
		return nil, err
	}
	var out []Webhook
	for i := range files {
		w, err := buildWebhook(f, n.Content[i], &files[i], fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

func buildWebhook(f *yamlx.File, n *yaml.Node, wf *webhookFile, path string) (Webhook, error) {
	bad := func(key, format string, args ...any) (Webhook, error) {
		return Webhook{}, yamlx.Errorf(f.Name, yamlx.At(n, key), "%s.%s: %s", path, key, fmt.Sprintf(format, args...))
	}
	w := Webhook{Name: wf.Name, Target: wf.Target, Scheme: wf.Scheme, Secret: wf.Secret, Every: wf.Every.D()}
	if w.Name == "" {
		w.Name = strings.TrimPrefix(path, "upstream.")
	}
	if !strings.HasPrefix(w.Target, "http://") && !strings.HasPrefix(w.Target, "https://") {
		return bad("target", "%q: give the receiver's URL, e.g. http://127.0.0.1:9000/webhooks", w.Target)
	}
	if wf.SecretEnv != "" {
		if w.Secret = os.Getenv(wf.SecretEnv); w.Secret == "" {
			return bad("secret_env", "%s is empty: set it to the signing secret", wf.SecretEnv)
		}
	}
	w.HMAC = webhooksig.HMAC(wf.HMAC)
	signer, err := webhooksig.New(w.Scheme, w.Secret, webhooksig.Options{HMAC: w.HMAC})
	if err != nil {
		return bad("scheme", "%v", err)
	}
	w.signer = signer
	if wf.On == nil && w.Every == 0 {
		return bad("on", "say when to deliver: on: {method: POST, path: /v1/charges, status: 2xx} or every: 1s")
	}
	if wf.On != nil {
		w.On = &Match{Method: strings.ToUpper(wf.On.Method), Path: wf.On.Path}
		if w.OnStatus, err = statusClass(wf.On.Status); err != nil {
			return bad("on", "status %v", err)
		}
	}
	if len(wf.Events) == 0 {
		return bad("events", "list at least one event, e.g. - {type: charge.succeeded, json: {object: charge}}")
	}
	for _, e := range wf.Events {
		w.Events = append(w.Events, WebhookEvent{Type: e.Type, Body: e.JSON})
	}
	return w, buildDeliveryFaults(&w, wf, bad)
}

func buildDeliveryFaults(w *Webhook, wf *webhookFile, bad func(string, string, ...any) (Webhook, error)) error {
	ff := wf.Faults
	if ff.Duplicate < 0 || ff.Concurrent < 0 || ff.Concurrent > 64 {
		_, err := bad("faults", "duplicate must not be negative and concurrent must be 0 to 64")
		return err
	}
	if st := ff.StaleTimestamp.D(); st > 0 && st <= webhooksig.DefaultTolerance {
		_, err := bad("faults", "stale_timestamp %s is inside the %s receivers accept: use more, e.g. 1h", st, webhooksig.DefaultTolerance)
		return err
	}
	if ff.TimeScale < 0 {
		_, err := bad("faults", "time_scale must not be negative")
		return err
	}
	w.Faults = DeliveryFaults{Duplicate: ff.Duplicate, Concurrent: ff.Concurrent, Delay: ff.Delay.D(), Reorder: ff.Reorder,
		BadSignature: ff.BadSignature, StaleTimestamp: ff.StaleTimestamp.D(), TimeScale: ff.TimeScale}
	for _, d := range ff.Redeliver {
		w.Faults.Redeliver = append(w.Faults.Redeliver, d.D())
	}
	return nil
}

// statusClass reads "2xx", "5xx" or "" (any).
func statusClass(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	if len(s) == 3 && s[0] >= '1' && s[0] <= '5' && strings.EqualFold(s[1:], "xx") {
		return int(s[0] - '0'), nil
	}
	return 0, fmt.Errorf("%q: use a class such as 2xx", s)
}
