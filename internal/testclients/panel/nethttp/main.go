// Command nethttp is a panel client: plain net/http with the timeout Go's
// documentation tells every client to set (http.Client.Timeout, 2s here,
// covering the body too) and nothing else. net/http does not retry, except
// that its Transport resends an idempotent request once when a reused
// keep-alive connection was closed before any response.
package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/internal/testclients/contract"
)

var client = &http.Client{Timeout: 2 * time.Second}

func main() {
	contract.Main("nethttp", func(base string, c contract.Call) error {
		req, err := http.NewRequest(c.Method, base+c.Path, strings.NewReader(c.Body))
		if err != nil {
			return err
		}
		req.Header = contract.Headers(c)
		resp, err := client.Do(req)
		return contract.Finish(c, resp, err)
	})
}
