package retryafterok

import (
	"net/http"
	"strconv"
	"time"
)

func retries(c *http.Client, req *http.Request) (*http.Response, error) {
	var resp *http.Response
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		resp, err = c.Do(req)
		if err == nil && resp.StatusCode == 429 {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			resp.Body.Close()
			time.Sleep(time.Duration(secs) * time.Second)
			continue
		}
		return resp, err
	}
	return resp, err
}

// A 429 check without any retry loop in the package would not be reported
// either: it turns the answer into an error for the caller.
func isRateLimited(resp *http.Response) bool { return resp.StatusCode == 429 }

func providerHeader(c *http.Client, req *http.Request) (*http.Response, error) {
	var resp *http.Response
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		resp, err = c.Do(req)
		if err == nil && resp.StatusCode == 429 && resp.Header.Get("Stripe-Should-Retry") != "true" {
			return resp, err
		}
		time.Sleep(time.Duration(attempt+1) * time.Second)
	}
	return resp, err
}
