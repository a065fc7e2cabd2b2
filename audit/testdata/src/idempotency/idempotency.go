package idempotency

import (
	"bytes"
	"net/http"
	"time"
)

func postRetried(c *http.Client, url string, body []byte) (*http.Response, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		req, rerr := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if rerr != nil {
			return nil, rerr
		}
		resp, derr := c.Do(req) // want `a POST is retried without an Idempotency-Key`
		if derr == nil {
			return resp, nil
		}
		err = derr
		time.Sleep(time.Duration(attempt) * time.Second)
	}
	return nil, err
}

func postHelperRetried(c *http.Client, url string) (*http.Response, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		resp, perr := c.Post(url, "application/json", nil) // want `a POST is retried`
		if perr == nil {
			return resp, nil
		}
		err = perr
		time.Sleep(time.Duration(attempt) * time.Second)
	}
	return nil, err
}

// Negative cases.

func withKey(c *http.Client, url, key string, body []byte) (*http.Response, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		req, rerr := http.NewRequest("POST", url, bytes.NewReader(body))
		if rerr != nil {
			return nil, rerr
		}
		req.Header.Set("Idempotency-Key", key)
		resp, derr := c.Do(req)
		if derr == nil {
			return resp, nil
		}
		err = derr
		time.Sleep(time.Duration(attempt) * time.Second)
	}
	return nil, err
}

func getRetried(c *http.Client, url string) (*http.Response, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		req, rerr := http.NewRequest("GET", url, nil)
		if rerr != nil {
			return nil, rerr
		}
		resp, derr := c.Do(req)
		if derr == nil {
			return resp, nil
		}
		err = derr
		time.Sleep(time.Duration(attempt) * time.Second)
	}
	return nil, err
}

func decorate(req *http.Request) {}

func headersSetByHelper(c *http.Client, url string) (*http.Response, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		req, rerr := http.NewRequest("PATCH", url, nil)
		if rerr != nil {
			return nil, rerr
		}
		decorate(req) // could set the key: benefit of the doubt
		resp, derr := c.Do(req)
		if derr == nil {
			return resp, nil
		}
		err = derr
		time.Sleep(time.Duration(attempt) * time.Second)
	}
	return nil, err
}

func postOnce(c *http.Client, url string) (*http.Response, error) {
	return c.Post(url, "application/json", nil) // no retry, no finding
}
