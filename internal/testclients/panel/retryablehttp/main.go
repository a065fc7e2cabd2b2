// Command retryablehttp is a panel client: hashicorp/go-retryablehttp
// exactly as retryablehttp.NewClient() makes it. Its documented defaults:
// RetryMax 4 (5 attempts); DefaultRetryPolicy retries connection errors,
// 429 and every 5xx but 501, never another 4xx; DefaultBackoff waits
// RetryWaitMin (1s) doubling per attempt up to RetryWaitMax (30s), with no
// jitter, or exactly what a 429's or 503's Retry-After says (seconds or an
// HTTP-date, with no upper bound); its http.Client (cleanhttp's pooled
// client) has no timeout; it logs each attempt on stderr; after the last
// attempt it returns "giving up after 5 attempt(s)".
package main

import (
	"strings"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/faultline-dev/faultline/internal/testclients/contract"
)

func main() {
	client := retryablehttp.NewClient()
	contract.Main("retryablehttp", func(base string, c contract.Call) error {
		req, err := retryablehttp.NewRequest(c.Method, base+c.Path, strings.NewReader(c.Body))
		if err != nil {
			return err
		}
		req.Header = contract.Headers(c)
		resp, err := client.Do(req)
		return contract.Finish(c, resp, err)
	})
}
