package fault

import "net/http"

func init() {
	register("close", func(d *params) (Fault, error) { return Close{}, d.Into(&struct{}{}) })
}

// Close closes the connection cleanly without a response: an empty reply.
type Close struct{}

// Kind implements Fault.
func (Close) Kind() string { return "close" }

// Serve implements Fault.
func (Close) Serve(w http.ResponseWriter, _ *http.Request, c *Call) {
	if conn := hijack(w, c); conn != nil {
		c.cut(conn, EndClosed)
	}
}
