package fault

import (
	"crypto/tls"
	"net"
	"net/http"

	"github.com/faultline-dev/faultline/fault/journal"
)

func init() { register("reset", decodeReset) }

// resetFault drops the connection with a TCP RST (SO_LINGER 0) without sending
// a response: the client sees "connection reset by peer". With AfterEffect
// the route's response is produced first and then lost: the upstream did
// the work (charged the card) but the client never hears of it.
type resetFault struct{ AfterEffect bool }

func decodeReset(d *params) (Fault, error) {
	var rf struct {
		AfterEffect bool `yaml:"after_effect"`
	}
	err := d.Into(&rf)
	return resetFault{AfterEffect: rf.AfterEffect}, err
}

// Kind implements Fault.
func (resetFault) Kind() string { return "reset" }

// Serve implements Fault.
func (f resetFault) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
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
	c.cut(conn, journal.EndReset)
}

func rawConn(c net.Conn) net.Conn {
	if tc, ok := c.(*tls.Conn); ok {
		return tc.NetConn()
	}
	return c
}
