// Command naive is a deliberately naive API client, kept so faultline's
// tests can show that the scenario library tells a careless integration
// from a resilient one. It follows the external-client contract (see
// package scenarios): it reads FAULTLINE_URL and FAULTLINE_CALLS and makes
// each call with a plain net/http client that has no timeout and never
// retries. Any transport error or status >= 400 is printed on stderr and
// makes it exit 1; otherwise it exits 0. It sends no X-Request-Id and no
// Idempotency-Key, and does not look at response bodies beyond reading them.
// When the scenario gives it a token endpoint it fetches one token at the
// start and uses it until the end, never refreshing it. Over HTTPS it
// trusts the scenario's CA with Go's defaults, which verify certificates.
//
// Do not copy it: it is the example of what not to do.
package main

import (
	"net/http"
	"sync"

	"github.com/faultline-dev/faultline/internal/testclients/contract"
)

//faultline:ignore http-no-timeout the naive client has no timeout on purpose: the timeout scenarios must catch it
var client = &http.Client{Transport: &http.Transport{TLSClientConfig: contract.TLSConfig()}}

func main() {
	auth := contract.AuthFromEnv()
	token := sync.OnceValues(func() (string, error) { return auth.Fetch(client) })
	// One plain request per call: no timeout, no retry.
	contract.Main("naive", func(base string, c contract.Call) error {
		if auth != nil {
			tok, err := token()
			if err != nil {
				return err
			}
			c = contract.WithBearer(c, tok)
		}
		return contract.Do(client, base, c)
	})
}
