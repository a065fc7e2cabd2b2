package scenarios

import (
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/internal/fielderr"
	"net"
	"net/url"
	"strconv"
)

// Where a scenario's upstream listens and the URL external clients are
// given, for clients that do not run on this host's loopback: in a
// container, on a compose network, on a staging host.

// listenAddr is the address each scenario's upstream listens on: host:port
// built from Options.Bind and Options.Port (loopback and a free port by
// default).
func (o Options) listenAddr() string {
	host := o.Bind
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(o.Port))
}

// clientURL is the base URL an external client is given in FAULTLINE_URL:
// Options.Advertise (with the upstream's port when it names none), else
// the upstream's own URL reached over loopback.
func (o Options) clientURL(listenURL string) string {
	if o.Advertise == "" {
		return loopbackURL(listenURL)
	}
	adv, err := url.Parse(o.Advertise)
	if err != nil || adv.Port() != "" {
		return o.Advertise
	}
	if lu, err := url.Parse(listenURL); err == nil {
		adv.Host = net.JoinHostPort(adv.Hostname(), lu.Port())
	}
	return adv.String()
}

// loopbackURL rewrites a URL whose host is an unspecified address (0.0.0.0,
// ::), which names no host to connect to, to the loopback address.
func loopbackURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsUnspecified() {
		u.Host = net.JoinHostPort("127.0.0.1", u.Port())
	}
	return u.String()
}

// CheckAdvertise rejects an Options.Advertise that is not an absolute
// http(s) URL.
func CheckAdvertise(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return &fielderr.Error{Kind: fault.ErrInvalid, Field: "Advertise", Value: strconv.Quote(raw),
			Problem: "give the base URL clients reach the upstream at, e.g. http://host.docker.internal or http://faultline:8080"}
	}
	return nil
}
