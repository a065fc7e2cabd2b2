package fault

import (
	"net/http"
	"time"

	"github.com/faultline-dev/faultline/internal/yamlx"
)

func init() { register("outage", decodeOutage) }

// outageFault takes the route down for a time window after the plan starts, or
// flaps it: Up, then Down, then Up again, for as long as the plan runs.
// While down, the route fails with Fail (a 503 by default).
type outageFault struct {
	After, For time.Duration // down from After for For (0: until the end)
	Up, Down   time.Duration // flapping periods, when Down > 0
	Fail       Fault
}

// Kind implements Fault.
func (outageFault) Kind() string { return "outage" }

// IsDown reports whether the route is down at elapsed since the plan start.
func (o outageFault) IsDown(elapsed time.Duration) bool {
	if o.Down > 0 {
		cycle := o.Up + o.Down
		return elapsed%cycle >= o.Up
	}
	return elapsed >= o.After && (o.For == 0 || elapsed < o.After+o.For)
}

// Serve implements Fault.
func (o outageFault) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	if !o.IsDown(c.Now().Sub(c.Start)) {
		c.Note("outage", "state", "up")
		c.Next.ServeHTTP(w, r)
		return
	}
	c.Note("outage", "state", "down")
	o.Fail.Serve(w, r, c)
}

func decodeOutage(d *params) (Fault, error) {
	of := struct {
		After yamlx.Duration `yaml:"after"`
		For   yamlx.Duration `yaml:"for"`
		Flap  *struct {
			Up   yamlx.Duration `yaml:"up"`
			Down yamlx.Duration `yaml:"down"`
		} `yaml:"flap"`
		Fail   string `yaml:"fail"`
		Status int    `yaml:"status"`
	}{Status: http.StatusServiceUnavailable}
	if err := d.Into(&of); err != nil {
		return nil, err
	}
	o := outageFault{After: of.After.D(), For: of.For.D()}
	if of.Flap != nil {
		if of.Flap.Up <= 0 || of.Flap.Down <= 0 {
			return nil, d.ErrorfKey("flap", "needs up and down periods above zero, e.g. {up: 500ms, down: 500ms}")
		}
		o.Up, o.Down = of.Flap.Up.D(), of.Flap.Down.D()
	}
	switch of.Fail {
	case "", "status":
		if of.Status < 100 || of.Status > 599 {
			return nil, d.ErrorfKey("status", "%d is not an HTTP status (100-599)", of.Status)
		}
		o.Fail = statusFault{Response: Response{Status: of.Status, Body: []byte(`{"error":{"type":"outage","message":"service unavailable"}}`)}}
	case "reset":
		o.Fail = resetFault{}
	case "close":
		o.Fail = closeFault{}
	case "hang":
		o.Fail = hangFault{}
	default:
		return nil, d.ErrorfKey("fail", "%q: use status, reset, close or hang", of.Fail)
	}
	return o, nil
}
