package webhooksig

// newShopify: Shopify signs "<base64 HMAC of body>" in
// X-Shopify-Hmac-Sha256; the webhook id is X-Shopify-Webhook-Id.
func newShopify(secret string, _ Options) (Scheme, error) {
	return &bodyMAC{name: "shopify", signature: "X-Shopify-Hmac-Sha256", id: "X-Shopify-Webhook-Id", event: "X-Shopify-Topic",
		base64: true, key: []byte(secret)}, nil
}
