package fault

import (
	"net/http"
	"time"

	"github.com/faultline-dev/faultline/fault/journal"
)

func init() { register("garbage", decodeGarbage) }

// maxGarbage bounds garbageFault.Bytes: enough to confuse any parser, too little
// to exhaust memory.
const maxGarbage = 1 << 20

// garbageFault writes random bytes instead of an HTTP response, then closes.
type garbageFault struct{ Bytes int }

// Kind implements Fault.
func (garbageFault) Kind() string { return "garbage" }

// Serve implements Fault.
func (g garbageFault) Serve(w http.ResponseWriter, _ *http.Request, c *Call) {
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
	c.cut(conn, journal.EndGarbage)
}

func decodeGarbage(d *params) (Fault, error) {
	gf := struct {
		Bytes int `yaml:"bytes"`
	}{Bytes: 64}
	if err := d.Into(&gf); err != nil {
		return nil, err
	}
	if gf.Bytes <= 0 || gf.Bytes > maxGarbage {
		return nil, d.ErrorfKey("bytes", "%d: give 1 to %d", gf.Bytes, maxGarbage)
	}
	return garbageFault{Bytes: gf.Bytes}, nil
}
