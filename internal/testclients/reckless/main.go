// Command reckless is a deliberately reckless API client, kept so
// faultline's tests can show that the scenario library catches the usual
// retry mistakes. It follows the external-client contract (see package
// scenarios): it reads FAULTLINE_URL and FAULTLINE_CALLS and makes each
// call, retrying every failure (a transport error or any status >= 400,
// 4xx included) at once, up to 5 attempts, ignoring Retry-After. It sends
// no Idempotency-Key and no X-Request-Id, so a retried POST looks like a new
// operation. Each attempt has a 2 s timeout so it never hangs for good. A
// call that fails 5 times is printed on stderr and makes it exit 1.
//
// Given a token endpoint, it asks for a new token before every attempt
// (and so keeps asking after the grant is revoked), and it copies every
// header, Authorization included, onto redirects to any host. Over HTTPS
// it accepts any certificate (InsecureSkipVerify) and any protocol down to
// TLS 1.0, so that nothing stops it.
//
// Do not copy it: it is the example of what not to do.
package main

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"time"

	"github.com/faultline-dev/faultline/internal/testclients/contract"
)

const attempts = 5

var client = &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
	TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10}, //faultline:ignore tls-insecure the reckless client accepts any certificate on purpose: the TLS scenarios must catch it
}, CheckRedirect: func(r *http.Request, via []*http.Request) error {
	r.Header = via[0].Header.Clone() // credentials included, whatever the host
	return nil
}}

func main() {
	auth := contract.AuthFromEnv()
	// Every failure is retried at once, Retry-After or not, 4xx or not.
	contract.Main("reckless", func(base string, c contract.Call) error {
		var err error
		for range attempts {
			call := c
			if auth != nil {
				var tok string
				if tok, err = auth.Fetch(client); err != nil {
					continue
				}
				call = contract.WithBearer(c, tok)
			}
			if err = contract.Do(client, base, call); err == nil {
				return nil
			}
		}
		return fmt.Errorf("gave up after %d attempts: %w", attempts, err)
	})
}
