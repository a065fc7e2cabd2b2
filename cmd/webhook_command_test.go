package cmd

import (
	"testing"

	"github.com/faultline-dev/faultline/webhook"
	"github.com/stretchr/testify/assert"
)

// TestWebhookCommand pins the one builder of webhook's reproduce lines: the
// run's names every --case given, a case's names only its own, and neither
// names the secret.
func TestWebhookCommand(t *testing.T) {
	o := &webhookOptions{campaign: webhook.Options{Target: "http://127.0.0.1:9/hook", Scheme: "stripe", Secret: "whsec_x",
		SecretEnv: "HOOK_SECRET", EffectsCmd: "count {event_id}", Seed: 3, Cases: []string{"valid", "wrong-secret"}}}
	assert.Equal(t, "faultline webhook --target 'http://127.0.0.1:9/hook' --scheme stripe --secret-env HOOK_SECRET "+
		"--effects-cmd 'count {event_id}' --seed 3 --case valid,wrong-secret", webhookCommand(o, ""))
	assert.Equal(t, "faultline webhook --target 'http://127.0.0.1:9/hook' --scheme stripe --secret-env HOOK_SECRET "+
		"--effects-cmd 'count {event_id}' --seed 3 --case tampered-body", webhookCommand(o, "tampered-body"))
	o.campaign.Cases = nil
	assert.Equal(t, "faultline webhook --target 'http://127.0.0.1:9/hook' --scheme stripe --secret-env HOOK_SECRET "+
		"--effects-cmd 'count {event_id}' --seed 3", webhookCommand(o, ""), "no --case: every case runs")
}
