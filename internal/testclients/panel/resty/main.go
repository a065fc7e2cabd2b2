// Command resty is a panel client: go-resty/resty v2 with resty.New()'s
// defaults and SetRetryCount(3), since resty does not retry at all by
// default. Documented behaviour: with no retry conditions added it retries
// only when the request itself failed (a transport error), never a
// response, whatever its status; it waits a jittered exponential backoff
// from RetryWaitTime (100ms) up to RetryMaxWaitTime (2s), never less than
// 100ms, and ignores Retry-After unless a RetryAfter callback is set; it
// has no timeout by default.
package main

import (
	"github.com/go-resty/resty/v2"

	"github.com/faultline-dev/faultline/internal/testclients/contract"
)

func main() {
	client := resty.New().SetRetryCount(3)
	contract.Main("resty", func(base string, c contract.Call) error {
		req := client.R().SetHeaders(c.Headers).SetHeader("X-Request-Id", c.ID)
		if c.Body != "" {
			req.SetBody(c.Body)
		}
		resp, err := req.Execute(c.Method, base+c.Path)
		if err != nil {
			return err
		}
		return contract.Judge(c, resp.StatusCode(), resp.Body())
	})
}
