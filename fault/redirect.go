package fault

import (
	"net"
	"net/http"
	"net/url"
)

func init() { register("redirect", decodeRedirect) }

// redirectFault answers with a redirect to another host: the same upstream
// reached under another name (Host, "localhost" by default, which a client
// must treat as a different origin from 127.0.0.1), at Path (default: the
// request's own path and query). Requests already addressed to Host pass on
// to the route, so the redirect is followed, not looped. It is how an API
// hands a download to a storage host, where a client must not send its
// Authorization.
type redirectFault struct {
	Status int    // 301, 302, 303, 307 or 308
	Host   string // "localhost" or "127.0.0.1"; the request's port is kept
	Path   string // "" keeps the request's path and query
	Scheme string // "http" or "https"; "" keeps the request's
}

// Kind implements Fault.
func (redirectFault) Kind() string { return "redirect" }

// Serve implements Fault.
func (f redirectFault) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if host == f.Host && (f.Scheme == "" || f.Scheme == scheme) {
		c.Note("redirect", "arrived", f.Host)
		c.Next.ServeHTTP(w, r)
		return
	}
	to := url.URL{Scheme: scheme, Host: f.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	if f.Scheme != "" {
		to.Scheme = f.Scheme
		c.Note("redirect", "scheme", f.Scheme)
	}
	if port != "" {
		to.Host = net.JoinHostPort(f.Host, port)
	}
	if f.Path != "" {
		u, _ := url.Parse(f.Path) // validated when decoded
		to.Path, to.RawQuery = u.Path, u.RawQuery
	}
	c.Note("redirect", "to", to.Host)
	w.Header().Set("Location", to.String())
	w.WriteHeader(f.Status)
}

type redirectFile struct {
	Status int    `yaml:"status"`
	Host   string `yaml:"host"`
	Path   string `yaml:"path"`
	Scheme string `yaml:"scheme"`
}

func decodeRedirect(d *params) (Fault, error) {
	f := redirectFile{Status: http.StatusTemporaryRedirect, Host: "localhost"}
	if err := d.Into(&f); err != nil {
		return nil, err
	}
	switch f.Status {
	case 301, 302, 303, 307, 308:
	default:
		return nil, d.ErrorfKey("status", "%d is not a redirect: use 301, 302, 303, 307 or 308", f.Status)
	}
	if f.Host != "localhost" && f.Host != "127.0.0.1" {
		return nil, d.ErrorfKey("host", "%q: give a name this upstream answers to: localhost or 127.0.0.1", f.Host)
	}
	if f.Path != "" {
		if u, err := url.Parse(f.Path); err != nil || u.Path == "" || u.Path[0] != '/' || u.Host != "" {
			return nil, d.ErrorfKey("path", "%q: give a path starting with /, like /files/export.csv", f.Path)
		}
	}
	if f.Scheme != "" && f.Scheme != "http" && f.Scheme != "https" {
		return nil, d.ErrorfKey("scheme", "%q: use http or https (or leave it out to keep the request's)", f.Scheme)
	}
	return redirectFault{Status: f.Status, Host: f.Host, Path: f.Path, Scheme: f.Scheme}, nil
}
