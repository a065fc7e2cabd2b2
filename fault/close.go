package fault

import (
	"net/http"

	"github.com/faultline-dev/faultline/fault/journal"
)

func init() {
	register("close", func(d *params) (Fault, error) { return closeFault{}, d.Into(&struct{}{}) })
}

// closeFault closes the connection cleanly without a response: an empty reply.
type closeFault struct{}

// Kind implements Fault.
func (closeFault) Kind() string { return "close" }

// Serve implements Fault.
func (closeFault) Serve(w http.ResponseWriter, _ *http.Request, c *Call) {
	if conn := hijack(w, c); conn != nil {
		c.cut(conn, journal.EndClosed)
	}
}
