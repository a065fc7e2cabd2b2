package webhook

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// releaseTogether sends every delivery over its own pre-established
// connection and releases them at one instant: all of each request but its
// last byte is written first, then every goroutine writes its last byte when
// a shared channel closes. It returns the outcomes and the release skew
// (latest minus earliest last-byte write).
func releaseTogether(ctx context.Context, s *sender, ds []delivery) ([]outcome, time.Duration, error) {
	target, deadline := s.target, s.deadline
	u, err := url.Parse(target)
	if err != nil {
		return nil, 0, err
	}
	conns := make([]net.Conn, len(ds))
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	wires := make([][]byte, len(ds))
	for i, d := range ds {
		if conns[i], err = dial(ctx, u, deadline, s.tlsConfig()); err != nil {
			return nil, 0, fmt.Errorf("connect to %s: %w", u.Host, err)
		}
		if wires[i], err = wire(u, d); err != nil {
			return nil, 0, err
		}
		_ = conns[i].SetDeadline(time.Now().Add(2 * deadline))
		if _, err := conns[i].Write(wires[i][:len(wires[i])-1]); err != nil {
			return nil, 0, fmt.Errorf("write to %s: %w", u.Host, err)
		}
	}
	out := make([]outcome, len(ds))
	released := make([]time.Time, len(ds))
	gate := make(chan struct{})
	var ready, done sync.WaitGroup
	for i := range ds {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			last := wires[i][len(wires[i])-1:]
			ready.Done()
			<-gate
			released[i] = time.Now()
			out[i] = finish(conns[i], last, deadline, released[i])
		}()
	}
	ready.Wait()
	close(gate)
	done.Wait()
	return out, spread(released), nil
}

func dial(ctx context.Context, u *url.URL, deadline time.Duration, tc *tls.Config) (net.Conn, error) {
	d := net.Dialer{Timeout: deadline}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	if u.Scheme == "https" {
		tc.ServerName = u.Hostname()
		tc.NextProtos = []string{"http/1.1"}
		td := tls.Dialer{NetDialer: &d, Config: tc}
		return td.DialContext(ctx, "tcp", host)
	}
	return d.DialContext(ctx, "tcp", host)
}

// wire renders d as HTTP/1.1 bytes for u.
func wire(u *url.URL, d delivery) ([]byte, error) {
	req, err := http.NewRequest(http.MethodPost, u.String(), bytes.NewReader(d.body))
	if err != nil {
		return nil, err
	}
	req.Header = d.header.Clone()
	req.Close = true
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// finish writes the last byte and reads the answer.
func finish(c net.Conn, last []byte, deadline time.Duration, start time.Time) outcome {
	_ = c.SetDeadline(start.Add(deadline))
	if _, err := c.Write(last); err != nil {
		return outcome{start: start, took: time.Since(start), err: err}
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
		return outcome{start: start, took: time.Since(start), err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return outcome{code: resp.StatusCode, start: start, took: time.Since(start)}
}

func spread(ts []time.Time) time.Duration {
	if len(ts) == 0 {
		return 0
	}
	lo, hi := ts[0], ts[0]
	for _, t := range ts[1:] {
		if t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	return hi.Sub(lo)
}

// tlsConfig returns a copy of the client's TLS settings (its roots, for
// instance), or defaults.
func (s *sender) tlsConfig() *tls.Config {
	if tr, ok := s.client.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil {
		return tr.TLSClientConfig.Clone()
	}
	return &tls.Config{}
}
