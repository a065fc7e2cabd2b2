package fault

import (
	"math"
	"net/http"
	"time"

	"github.com/faultline-dev/faultline/internal/yamlx"
)

func init() { register("latency", decodeLatency) }

// latencyFault delays the response by a drawn duration, before the headers (a
// slow time-to-first-byte, counted from the request's arrival) or spread
// through the body.
type latencyFault struct {
	Dist distribution
	// InBody spreads the delay through the body instead of holding the
	// headers back.
	InBody bool
	// fixedNote is a fixed delay as the journal notes it, formatted once
	// (a Duration boxed and formatted per request is two allocations);
	// nil for a drawn delay.
	fixedNote any
}

// note is the journal's note of delay: as fmt would print it, rounded to
// the microsecond.
func (l latencyFault) note(delay time.Duration) any {
	if l.fixedNote != nil {
		return l.fixedNote
	}
	return delay.Round(time.Microsecond)
}

// distribution draws a delay. The zero value is no delay.
type distribution struct {
	Fixed       time.Duration
	Min, Max    time.Duration // uniform between Min and Max
	Mean, Std   time.Duration // normal, truncated at zero
	Median, P99 time.Duration // lognormal with this median and 99th percentile
}

// Kind implements Fault.
func (latencyFault) Kind() string { return "latency" }

// Draw returns one delay from the distribution.
func (d distribution) Draw(rnd interface {
	Float64() float64
	NormFloat64() float64
}) time.Duration {
	switch {
	case d.Median > 0:
		// ln X ~ N(mu, sigma): median = e^mu, p99 = e^(mu + 2.326 sigma).
		mu := math.Log(float64(d.Median))
		sigma := (math.Log(float64(d.P99)) - mu) / 2.3263478740
		return time.Duration(math.Exp(mu + sigma*rnd.NormFloat64()))
	case d.Std > 0 || d.Mean > 0:
		return max(0, time.Duration(float64(d.Mean)+float64(d.Std)*rnd.NormFloat64()))
	case d.Max > 0:
		return d.Min + time.Duration(rnd.Float64()*float64(d.Max-d.Min))
	}
	return d.Fixed
}

// Serve implements Fault.
func (l latencyFault) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	delay := l.Dist.Draw(c.Rand)
	c.Note("latency", "delay", l.note(delay))
	if !l.InBody {
		if !c.Sleep(r, c.leftOf(delay)) {
			c.abort(w, r)
			return
		}
		c.Next.ServeHTTP(w, r)
		return
	}
	resp := capture(c.Next, r)
	resp.writeHeader(w)
	dribble(w, r, c, resp.body, delay)
}

// leftOf is what is left of a delay d before the headers may go: d
// counted from the request's arrival when this is the first fault it
// met, so the handler's work before the wait (matching, counting,
// drawing, noting) and any pause of the scheduler there are part of the
// delay, not added to it; d in full behind another fault, whose own
// waits (an outer latency) must add up, not overlap.
func (c *Call) leftOf(d time.Duration) time.Duration {
	c.mu.Lock()
	first, arrived := len(c.entry.Faults) == 1, c.entry.Time
	c.mu.Unlock()
	if !first {
		return d
	}
	return d - c.clock.Now().Sub(arrived)
}

// dribble writes body in up to 10 chunks spread evenly over total.
func dribble(w http.ResponseWriter, r *http.Request, c *Call, body []byte, total time.Duration) {
	const chunks = 10
	size := max(1, (len(body)+chunks-1)/chunks)
	n := (len(body) + size - 1) / size
	for i := 0; i < len(body); i += size {
		if !c.Sleep(r, total/time.Duration(max(n, 1))) {
			c.abort(w, r)
			return
		}
		_, _ = w.Write(body[i:min(i+size, len(body))])
		_ = http.NewResponseController(w).Flush()
	}
}

type latencyFile struct {
	Fixed   *yamlx.Duration `yaml:"fixed"`
	Uniform *struct {
		Min yamlx.Duration `yaml:"min"`
		Max yamlx.Duration `yaml:"max"`
	} `yaml:"uniform"`
	Normal *struct {
		Mean   yamlx.Duration `yaml:"mean"`
		Stddev yamlx.Duration `yaml:"stddev"`
	} `yaml:"normal"`
	Lognormal *struct {
		Median yamlx.Duration `yaml:"median"`
		P99    yamlx.Duration `yaml:"p99"`
	} `yaml:"lognormal"`
	Where string `yaml:"where"`
}

func decodeLatency(d *params) (Fault, error) {
	var lf latencyFile
	if err := d.Into(&lf); err != nil {
		return nil, err
	}
	var l latencyFault
	given := 0
	if lf.Fixed != nil {
		l.Dist.Fixed, given = lf.Fixed.D(), given+1
		l.fixedNote = l.Dist.Fixed.Round(time.Microsecond).String()
	}
	if u := lf.Uniform; u != nil {
		if u.Max < u.Min {
			return nil, d.ErrorfKey("uniform", "max %s is below min %s", u.Max.D(), u.Min.D())
		}
		l.Dist.Min, l.Dist.Max, given = u.Min.D(), u.Max.D(), given+1
	}
	if n := lf.Normal; n != nil {
		l.Dist.Mean, l.Dist.Std, given = n.Mean.D(), n.Stddev.D(), given+1
	}
	if ln := lf.Lognormal; ln != nil {
		if ln.Median <= 0 || ln.P99 < ln.Median {
			return nil, d.ErrorfKey("lognormal", "needs median > 0 and p99 >= median")
		}
		l.Dist.Median, l.Dist.P99, given = ln.Median.D(), ln.P99.D(), given+1
	}
	if given != 1 {
		return nil, d.Errorf("give exactly one of fixed, uniform, normal, lognormal (e.g. fixed: 100ms)")
	}
	switch lf.Where {
	case "", "headers":
	case "body":
		l.InBody = true
	default:
		return nil, d.ErrorfKey("where", "%q: use headers (slow first byte) or body (spread through the body)", lf.Where)
	}
	return l, nil
}
