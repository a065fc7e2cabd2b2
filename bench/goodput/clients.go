package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/go-resty/resty/v2"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/faultline-dev/faultline/resilience"
)

// call is one logical call of the workload. ID goes out as X-Request-Id,
// which every client repeats on its retries, so the journal groups the
// attempts of one call whatever the client.
type call struct {
	method, path, id string
	body             []byte
}

// client makes one logical call and says whether it succeeded: a complete
// 2xx answer from the upstream (not a fallback) before ctx's deadline.
type client interface {
	do(ctx context.Context, base string, c call) error
	close()
}

// peer names a client and builds a fresh one per run (no state shared
// between runs: breakers, rate, connections).
type peer struct {
	name string
	make func(seed int64) client
	try  bool // the reference client under another policy (-try): not a peer
}

var peers = []peer{
	{"reference", newReference, false},
	{"net/http", func(int64) client { return plainClient{&http.Client{Transport: transport()}} }, false},
	{"retryablehttp", newRetryable, false},
	{"resty", newResty, false},
	{"backoff", func(int64) client { return backoffClient{&http.Client{Transport: transport()}} }, false},
}

func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

var errStatus = errors.New("status")

// reference is faultline's resilient client with DefaultPolicy().
type reference struct{ c *resilience.Client }

func newReference(seed int64) client {
	return reference{resilience.New(referencePolicy, resilience.WithSeed(seed))}
}

// referencePolicy is DefaultPolicy() unless -policy names a file.
var referencePolicy = resilience.DefaultPolicy()

func (r reference) do(ctx context.Context, base string, c call) error {
	resp, err := r.c.Do(ctx, &resilience.Request{
		Method: c.method, URL: base + c.path, Body: c.body,
		Header: http.Header{"X-Request-Id": {c.id}, "Content-Type": {"application/json"}},
	})
	switch {
	case err != nil:
		return err
	case resp.Fallback || resp.StatusCode >= 300:
		return fmt.Errorf("%w %d (fallback %v)", errStatus, resp.StatusCode, resp.Fallback)
	}
	return nil
}

func (r reference) close() { r.c.CloseIdleConnections() }

// plainClient is net/http with no retries.
type plainClient struct{ hc *http.Client }

func newRequest(ctx context.Context, base string, c call) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, c.method, base+c.path, bytes.NewReader(c.body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Request-Id", c.id)
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// finish reads and closes a response; a broken body or a status >= 300 is
// an error.
func finish(resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%w %d", errStatus, resp.StatusCode)
	}
	return nil
}

func (p plainClient) do(ctx context.Context, base string, c call) error {
	req, err := newRequest(ctx, base, c)
	if err != nil {
		return err
	}
	return finish(p.hc.Do(req))
}

func (p plainClient) close() { p.hc.CloseIdleConnections() }

// retryable is hashicorp/go-retryablehttp with its defaults: 4 retries on
// connection errors, 429 and 5xx (but 501), 1 s to 30 s exponential
// backoff, Retry-After honoured on 429 and 503.
type retryable struct{ c *retryablehttp.Client }

func newRetryable(int64) client {
	c := retryablehttp.NewClient()
	c.Logger = nil
	c.HTTPClient.Transport = transport()
	return retryable{c}
}

func (r retryable) do(ctx context.Context, base string, c call) error {
	req, err := retryablehttp.NewRequestWithContext(ctx, c.method, base+c.path, c.body)
	if err != nil {
		return err
	}
	req.Header.Set("X-Request-Id", c.id)
	req.Header.Set("Content-Type", "application/json")
	return finish(r.c.Do(req))
}

func (r retryable) close() { r.c.HTTPClient.CloseIdleConnections() }

// restyClient is go-resty v2 with 3 retries on 429 and 5xx (and on
// transport errors, resty's default), its default 100 ms to 2 s backoff.
type restyClient struct{ c *resty.Client }

func newResty(int64) client {
	c := resty.NewWithClient(&http.Client{Transport: transport()}).
		SetRetryCount(3).
		AddRetryCondition(func(r *resty.Response, err error) bool {
			return r != nil && (r.StatusCode() == http.StatusTooManyRequests || r.StatusCode() >= 500)
		})
	c.SetLogger(quiet{})
	return restyClient{c}
}

func (r restyClient) do(ctx context.Context, base string, c call) error {
	resp, err := r.c.R().SetContext(ctx).SetBody(c.body).
		SetHeader("X-Request-Id", c.id).SetHeader("Content-Type", "application/json").
		Execute(c.method, base+c.path)
	if err != nil {
		return err
	}
	if resp.StatusCode() >= 300 {
		return fmt.Errorf("%w %d", errStatus, resp.StatusCode())
	}
	return nil
}

func (r restyClient) close() { r.c.GetClient().CloseIdleConnections() }

type quiet struct{}

func (quiet) Errorf(string, ...any) {}
func (quiet) Warnf(string, ...any)  {}
func (quiet) Debugf(string, ...any) {}

// backoffClient is cenkalti/backoff v5 around net/http, as its README
// shows: retry 429 and 5xx (a Retry-After in seconds honoured) and
// transport errors with its default exponential backoff (500 ms, x1.5,
// ±50% jitter) until the call's deadline; other 4xx are permanent.
type backoffClient struct{ hc *http.Client }

func (b backoffClient) do(ctx context.Context, base string, c call) error {
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		req, err := newRequest(ctx, base, c)
		if err != nil {
			return struct{}{}, backoff.Permanent(err)
		}
		resp, err := b.hc.Do(req)
		if err != nil {
			return struct{}{}, err
		}
		err = finish(resp, nil)
		switch s := resp.StatusCode; {
		case err == nil:
			return struct{}{}, nil
		case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
			if secs, aerr := strconv.Atoi(resp.Header.Get("Retry-After")); aerr == nil {
				return struct{}{}, backoff.RetryAfter(secs)
			}
			return struct{}{}, err
		case s >= 500 || s < 300:
			return struct{}{}, err
		}
		return struct{}{}, backoff.Permanent(err)
	}, backoff.WithBackOff(backoff.NewExponentialBackOff()), backoff.WithMaxElapsedTime(time.Hour))
	return err
}

func (b backoffClient) close() { b.hc.CloseIdleConnections() }
