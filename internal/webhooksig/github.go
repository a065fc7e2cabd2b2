package webhooksig

// newGitHub: GitHub signs "sha256=<hex HMAC of body>" in
// X-Hub-Signature-256; the delivery id is X-GitHub-Delivery.
func newGitHub(secret string, _ Options) (Scheme, error) {
	return &bodyMAC{name: "github", signature: "X-Hub-Signature-256", id: "X-GitHub-Delivery", event: "X-GitHub-Event",
		prefix: "sha256=", key: []byte(secret)}, nil
}
