package fault

import (
	"net/http"
	"time"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/yamlx"
)

func init() { register("hang", decodeHang) }

// hangFault accepts the request and never answers, until the client gives up,
// the server closes, or Max (if set) passes, when the connection is closed.
// With AfterEffect the route's response is produced first (the work is
// done) and then withheld: the timeout that succeeded.
type hangFault struct {
	Max         time.Duration
	AfterEffect bool
}

// Kind implements Fault.
func (hangFault) Kind() string { return "hang" }

// Serve implements Fault.
func (h hangFault) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	if h.AfterEffect {
		capture(c.Next, r)
	}
	c.End(journal.EndHung)
	if h.Max > 0 {
		c.Sleep(r, h.Max) // ends early when the client or the server does
	} else {
		select {
		case <-r.Context().Done():
		case <-c.Done:
		}
	}
	if conn := hijack(w, c); conn != nil {
		_ = conn.Close()
	}
}

func decodeHang(d *params) (Fault, error) {
	var hf struct {
		Max         yamlx.Duration `yaml:"max"`
		AfterEffect bool           `yaml:"after_effect"`
	}
	err := d.Into(&hf)
	return hangFault{Max: hf.Max.D(), AfterEffect: hf.AfterEffect}, err
}
