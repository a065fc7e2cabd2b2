package retryafter

import (
	"net/http"
	"time"
)

func retries(c *http.Client, req *http.Request) (*http.Response, error) {
	var resp *http.Response
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		resp, err = c.Do(req)
		if err == nil && resp.StatusCode == http.StatusTooManyRequests { // want `429 is handled but Retry-After is never read`
			resp.Body.Close()
			time.Sleep(time.Duration(attempt+1) * time.Second)
			continue
		}
		return resp, err
	}
	return resp, err
}
