package fault

import (
	"net/http"
	"time"
)

func init() { register("slow_body", decodeSlowBody) }

// slowBodyFault sends the headers at once and dribbles the body at BytesPerSec.
type slowBodyFault struct{ BytesPerSec int }

// Kind implements Fault.
func (slowBodyFault) Kind() string { return "slow_body" }

// Serve implements Fault.
func (s slowBodyFault) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	resp := capture(c.Next, r)
	resp.writeHeader(w)
	_ = http.NewResponseController(w).Flush()
	const tick = 50 * time.Millisecond
	chunk := max(1, s.BytesPerSec*int(tick)/int(time.Second))
	for i := 0; i < len(resp.body); i += chunk {
		if i > 0 && !c.Sleep(r, tick) {
			c.abort(w, r)
			return
		}
		_, _ = w.Write(resp.body[i:min(i+chunk, len(resp.body))])
		_ = http.NewResponseController(w).Flush()
	}
}

func decodeSlowBody(d *params) (Fault, error) {
	sf := struct {
		BytesPerSec int `yaml:"bytes_per_second"`
	}{BytesPerSec: 100}
	if err := d.Into(&sf); err != nil {
		return nil, err
	}
	if sf.BytesPerSec <= 0 {
		return nil, d.ErrorfKey("bytes_per_second", "must be positive")
	}
	return slowBodyFault{BytesPerSec: sf.BytesPerSec}, nil
}
