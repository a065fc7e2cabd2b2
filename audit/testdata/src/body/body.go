package body

import (
	"encoding/json"
	"io"
	"net/http"
)

func neverClosed(c *http.Client, url string) (int, error) {
	resp, err := c.Get(url) // want `the body of resp is never closed`
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func readNotClosed(c *http.Client, url string) ([]byte, error) {
	resp, err := c.Get(url) // want `the body of resp is never closed`
	if err != nil {
		return nil, err
	}
	return io.ReadAll(resp.Body)
}

func discarded(c *http.Client, req *http.Request) error {
	_, err := c.Do(req) // want `the response is discarded, so its body is never closed`
	return err
}

// Negative cases.

func deferred(c *http.Client, url string) (map[string]any, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var v map[string]any
	return v, json.NewDecoder(resp.Body).Decode(&v)
}

func inClosure(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	return nil
}

func returned(c *http.Client, url string) (*http.Response, error) {
	resp, err := c.Get(url)
	return resp, err
}

func drain(r *http.Response) {}

func handedOn(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	drain(resp)
	return nil
}

func bodyHandedOn(c *http.Client, url string, closeIt func(io.ReadCloser)) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	closeIt(resp.Body)
	return nil
}
