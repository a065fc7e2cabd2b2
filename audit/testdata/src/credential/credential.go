package credential

import "net/http"

const stripeKey = "sk_live_4eC39HqLyjWDarjtT1zdp7dc" // want `a string literal holds a stripe-key`

var awsKey = "AKIAQWERTYUIOPASDFGH" // want `a string literal holds a aws-access-key`

const apiKey = "q8Zr2LxV7pK4mT9wB3nY6cH1" // want `a literal that looks like a key is assigned to "apiKey"`

type config struct {
	ClientSecret string
	TokenURL     string
	Name         string
}

var cfg = config{
	ClientSecret: "Jd82kLq0Zp3Xv7Rt5Wm1Yb9N", // want `a literal that looks like a key is assigned to "ClientSecret"`
	TokenURL:     "https://auth.example.com/oauth/token",
	Name:         "billing",
}

func headers(req *http.Request) {
	req.Header.Set("X-Api-Key", "f3a9c1e7b5d2a8c4e6f0b1d3")            // want `assigned to "X-Api-Key"`
	req.Header.Set("Authorization", "Bearer 9f8e7d6c5b4a39281706f5e4") // want `a string literal holds a bearer-token`
}

// Negative cases: names and places, not keys.

const (
	apiKeyEnv      = "STRIPE_API_KEY"
	apiKeyHeader   = "X-Api-Key"
	secretPath     = "/etc/app/secret"
	tokenVar       = "SLACK_BOT_TOKEN_2"
	placeholderKey = "sk_test_xxxxxxxxxxxxxxxxxxxxxxxx"
	docsKey        = "AKIAIOSFODNN7EXAMPLE"
	password       = "correct horse battery staple"
	signatureAlg   = "v1HmacSha256Signature2024"
)

func fromEnv(get func(string) string) string { return get(apiKeyEnv) }

func suppressed() string {
	return "sk_test_51HqLyjWDarjtT1zdp7dcXYZ" //faultline:ignore hardcoded-credential Stripe's published docs test key
}
