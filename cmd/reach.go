package cmd

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"
)

// reachTimeout bounds the connection attempt made before a run.
const reachTimeout = 5 * time.Second

// checkReachable connects to the host of rawURL once before a run, so an
// unreachable --target or --upstream is one line and exit 3 instead of a
// failure for every case.
func checkReachable(ctx context.Context, flag, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil // the command's own validation names a bad URL
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443"}[u.Scheme]
		if port == "" {
			port = "80"
		}
	}
	ctx, cancel := context.WithTimeout(orBackground(ctx), reachTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return internalErr(fmt.Errorf("%s %s: cannot connect (%v): is it running, and is the URL right?", flag, rawURL, err))
	}
	return conn.Close()
}
