package fault

import (
	"net/http"

	"github.com/faultline-dev/faultline/fault/journal"
)

func init() { register("truncate", decodeTruncate) }

// truncateFault sends the headers, announcing the full Content-Length, and only
// part of the body, then closes the connection.
type truncateFault struct {
	Bytes    int     // bytes of the body to send
	Fraction float64 // or this fraction of it, when Bytes is 0
}

// Kind implements Fault.
func (truncateFault) Kind() string { return "truncate" }

// Serve implements Fault.
func (t truncateFault) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	resp := capture(c.Next, r)
	keep := t.Bytes
	if keep == 0 {
		keep = int(float64(len(resp.body)) * t.Fraction)
	}
	keep = min(keep, max(len(resp.body)-1, 0))
	c.Note("truncate", "kept", keep)
	c.Note("truncate", "of", len(resp.body))
	resp.writeHeader(w)
	_, _ = w.Write(resp.body[:keep])
	_ = http.NewResponseController(w).Flush()
	if conn := hijack(w, c); conn != nil {
		c.cut(conn, journal.EndTruncated) // the client, told the full length, learns of it here
	}
}

func decodeTruncate(d *params) (Fault, error) {
	tf := struct {
		Bytes    int      `yaml:"bytes"`
		Fraction *float64 `yaml:"fraction"`
	}{}
	if err := d.Into(&tf); err != nil {
		return nil, err
	}
	t := truncateFault{Bytes: tf.Bytes, Fraction: 0.5}
	if tf.Bytes < 0 {
		return nil, d.ErrorfKey("bytes", "must not be negative")
	}
	if tf.Fraction != nil {
		if *tf.Fraction < 0 || *tf.Fraction >= 1 {
			return nil, d.ErrorfKey("fraction", "%g must be at least 0 and below 1", *tf.Fraction)
		}
		t.Fraction = *tf.Fraction
	}
	return t, nil
}
