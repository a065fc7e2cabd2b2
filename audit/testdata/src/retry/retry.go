package retry

import (
	"context"
	"errors"
	"math/rand"
	"net/http"
	"time"
)

func immediate(c *http.Client, req *http.Request) (*http.Response, error) {
	for attempt := 0; attempt < 5; attempt++ { // want `this loop retries an HTTP call and retries at once, without waiting`
		resp, err := c.Do(req)
		if err == nil {
			return resp, nil
		}
	}
	return nil, errors.New("gave up")
}

func constantSleep(c *http.Client, req *http.Request) (*http.Response, error) {
	for i := 0; i < 5; i++ { // want `waits the same constant delay before every attempt`
		resp, err := c.Do(req)
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		return resp, nil
	}
	return nil, errors.New("gave up")
}

func forever(c *http.Client, req *http.Request) *http.Response {
	delay := 100 * time.Millisecond
	for { // want `never gives up`
		resp, err := c.Do(req)
		if err == nil && resp.StatusCode < 500 {
			return resp
		}
		time.Sleep(delay)
		delay *= 2
	}
}

// Negative cases.

func exponential(ctx context.Context, c *http.Client, req *http.Request) (*http.Response, error) {
	for attempt := range 5 {
		resp, err := c.Do(req)
		if err == nil && resp.StatusCode < 500 {
			return resp, nil
		}
		d := time.Duration(1<<attempt)*100*time.Millisecond + time.Duration(rand.Int63n(int64(50*time.Millisecond)))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(d):
		}
	}
	return nil, errors.New("gave up")
}

func helperBackoff(c *http.Client, req *http.Request, b interface{ NextBackOff() time.Duration }) (*http.Response, error) {
	for tries := 0; ; tries++ {
		resp, err := c.Do(req)
		if err == nil || tries >= 3 {
			return resp, err
		}
		time.Sleep(b.NextBackOff())
	}
}

func pages(c *http.Client, urls []string) error {
	for _, u := range urls { // a range over items, not a retry
		resp, err := c.Get(u)
		if err != nil {
			return err
		}
		resp.Body.Close()
	}
	return nil
}

func paginate(c *http.Client, next func(*http.Response) string, url string) error {
	for url != "" { // pages: leaves on error, never goes round on one
		resp, err := c.Get(url)
		if err != nil {
			return err
		}
		url = next(resp)
		resp.Body.Close()
	}
	return nil
}

func helperDecides(c *http.Client, req *http.Request, shouldRetry func(error, int) bool) (*http.Response, error) {
	for retry := 0; ; retry++ { // stripe-go's shape: a helper given the counter decides
		resp, err := c.Do(req)
		if !shouldRetry(err, retry) {
			return resp, err
		}
		time.Sleep(time.Duration(retry) * time.Second)
	}
}
