package fault

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

func init() {
	Register("reset", decodeReset)
	Register("close", func(d *Decode) (Fault, error) { return Close{}, d.Into(&struct{}{}) })
	Register("hang", decodeHang)
	Register("truncate", decodeTruncate)
	Register("garbage", decodeGarbage)
	Register("slow_body", decodeSlowBody)
}

// Reset drops the connection with a TCP RST (SO_LINGER 0) without sending
// a response: the client sees "connection reset by peer". With AfterEffect
// the route's response is produced first and then lost: the upstream did
// the work (charged the card) but the client never hears of it.
type Reset struct{ AfterEffect bool }

func decodeReset(d *Decode) (Fault, error) {
	var rf struct {
		AfterEffect bool `yaml:"after_effect"`
	}
	err := d.Into(&rf)
	return Reset{AfterEffect: rf.AfterEffect}, err
}

// Kind implements Fault.
func (Reset) Kind() string { return "reset" }

// Serve implements Fault.
func (f Reset) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	if f.AfterEffect {
		capture(c.Next, r)
	}
	conn := hijack(w, c)
	if conn == nil {
		return
	}
	if tc, ok := rawConn(conn).(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.cut(conn, EndReset)
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

// hijack takes the connection over; on failure (HTTP/2) it answers 502 so
// the fault is at least visible, and returns nil.
func hijack(w http.ResponseWriter, c *Call) net.Conn {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		c.Note(c.entry.Faults[len(c.entry.Faults)-1].Type, "error", "cannot hijack: "+err.Error())
		http.Error(w, "faultline: socket faults need HTTP/1.1", http.StatusBadGateway)
		return nil
	}
	return conn
}

func rawConn(c net.Conn) net.Conn {
	if tc, ok := c.(*tls.Conn); ok {
		return tc.NetConn()
	}
	return c
}

// Hang accepts the request and never answers, until the client gives up,
// the server closes, or Max (if set) passes, when the connection is closed.
// With AfterEffect the route's response is produced first (the work is
// done) and then withheld: the timeout that succeeded.
type Hang struct {
	Max         time.Duration
	AfterEffect bool
}

// Kind implements Fault.
func (Hang) Kind() string { return "hang" }

// Serve implements Fault.
func (h Hang) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	if h.AfterEffect {
		capture(c.Next, r)
	}
	c.End(EndHung)
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

func decodeHang(d *Decode) (Fault, error) {
	var hf struct {
		Max         Duration `yaml:"max"`
		AfterEffect bool     `yaml:"after_effect"`
	}
	err := d.Into(&hf)
	return Hang{Max: hf.Max.D(), AfterEffect: hf.AfterEffect}, err
}

// Truncate sends the headers, announcing the full Content-Length, and only
// part of the body, then closes the connection.
type Truncate struct {
	Bytes    int     // bytes of the body to send
	Fraction float64 // or this fraction of it, when Bytes is 0
}

// Kind implements Fault.
func (Truncate) Kind() string { return "truncate" }

// Serve implements Fault.
func (t Truncate) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
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
		c.cut(conn, EndTruncated) // the client, told the full length, learns of it here
	}
}

func decodeTruncate(d *Decode) (Fault, error) {
	tf := struct {
		Bytes    int      `yaml:"bytes"`
		Fraction *float64 `yaml:"fraction"`
	}{}
	if err := d.Into(&tf); err != nil {
		return nil, err
	}
	t := Truncate{Bytes: tf.Bytes, Fraction: 0.5}
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

// maxGarbage bounds Garbage.Bytes: enough to confuse any parser, too little
// to exhaust memory.
const maxGarbage = 1 << 20

// Garbage writes random bytes instead of an HTTP response, then closes.
type Garbage struct{ Bytes int }

// Kind implements Fault.
func (Garbage) Kind() string { return "garbage" }

// Serve implements Fault.
func (g Garbage) Serve(w http.ResponseWriter, _ *http.Request, c *Call) {
	junk := make([]byte, g.Bytes)
	for i := range junk {
		junk[i] = byte(c.Rand.UintN(256))
	}
	conn := hijack(w, c)
	if conn == nil {
		return
	}
	c.Note("garbage", "bytes", g.Bytes)
	c.ended() // the client may give up at the first byte
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = conn.Write(junk)
	c.cut(conn, EndGarbage)
}

func decodeGarbage(d *Decode) (Fault, error) {
	gf := struct {
		Bytes int `yaml:"bytes"`
	}{Bytes: 64}
	if err := d.Into(&gf); err != nil {
		return nil, err
	}
	if gf.Bytes <= 0 || gf.Bytes > maxGarbage {
		return nil, d.ErrorfKey("bytes", "%d: give 1 to %d", gf.Bytes, maxGarbage)
	}
	return Garbage{Bytes: gf.Bytes}, nil
}

// SlowBody sends the headers at once and dribbles the body at BytesPerSec.
type SlowBody struct{ BytesPerSec int }

// Kind implements Fault.
func (SlowBody) Kind() string { return "slow_body" }

// Serve implements Fault.
func (s SlowBody) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
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

func decodeSlowBody(d *Decode) (Fault, error) {
	sf := struct {
		BytesPerSec int `yaml:"bytes_per_second"`
	}{BytesPerSec: 100}
	if err := d.Into(&sf); err != nil {
		return nil, err
	}
	if sf.BytesPerSec <= 0 {
		return nil, d.ErrorfKey("bytes_per_second", "must be positive")
	}
	return SlowBody{BytesPerSec: sf.BytesPerSec}, nil
}
