package timeout

import (
	"context"
	"net/http"
	"time"
)

func packageFunctions(url string) {
	resp, err := http.Get(url) // want `http.Get sends through http.DefaultClient, which has no timeout`
	if err == nil {
		resp.Body.Close()
	}
	if resp, err := http.Post(url, "application/json", nil); err == nil { // want `http.Post sends`
		resp.Body.Close()
	}
}

func defaultClient(url string) error {
	resp, err := http.DefaultClient.Get(url) // want `Get on an http.Client without Timeout`
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func use(c *http.Client) {}

func useCtx(ctx context.Context, c *http.Client) {}

func handsOnDefault(ctx context.Context) {
	use(http.DefaultClient)                          // want `http.DefaultClient \(no timeout\) is handed to use`
	useCtx(context.Background(), http.DefaultClient) // want `is handed to useCtx`
	useCtx(ctx, http.DefaultClient)                  // slack-go's shape: the caller's context can carry the deadline
}

func literalWithoutTimeout(url string) error {
	c := &http.Client{}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req) // want `Do on an http.Client without Timeout, with a request that carries no context`
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func backgroundContext(url string) error {
	req, err := http.NewRequestWithContext(context.Background(), "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req) // want `Do on an http.Client without Timeout`
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

var shared = &http.Client{}

func packageClient(url string) error {
	resp, err := shared.Head(url) // want `Head on an http.Client without Timeout`
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Negative cases: each bounds the wait one way or another.

var bounded = &http.Client{Timeout: 10 * time.Second}

func clientWithTimeout(url string) error {
	resp, err := bounded.Get(url)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func requestWithContext(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func contextAddedLater(ctx context.Context, url string) error {
	c := &http.Client{}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	req = req.WithContext(ctx)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func timeoutSetLater(url string) error {
	c := &http.Client{}
	c.Timeout = 5 * time.Second
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func transportWithHeaderTimeout(url string) error {
	c := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 5 * time.Second}}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func unknownClient(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req) // a parameter: its timeout is set elsewhere
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func suppressed(url string) {
	//faultline:ignore http-no-timeout this probe is bounded by the caller's process timeout
	resp, err := http.Get(url)
	if err == nil {
		resp.Body.Close()
	}
}
