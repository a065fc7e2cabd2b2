package fault

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
)

// rawRequest dials s, sends head, and returns the connection and a reader
// of its answers.
func rawRequest(t *testing.T, s *Server, head string) (*net.TCPConn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(c, head)
	require.NoError(t, err)
	return c.(*net.TCPConn), bufio.NewReader(c)
}

// TestSlowBodyCut: a body sent a byte at a time is cut at the body timeout,
// answered 408, its connection closed, and the journal says why. The time
// is judged from the journal: at least the timeout, at most a generous
// second more on a loaded machine.
func TestSlowBodyCut(t *testing.T) {
	const timeout = 300 * time.Millisecond
	s := servePlan(t, okRoute, WithBodyTimeout(timeout))
	c, rd := rawRequest(t, s, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for range 100 {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(rd, nil)
	require.NoError(t, err, "the slow body is answered, not held")
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	// Closed: the server's FIN reads as EOF; or, when a byte the writer
	// above sent was still unread as the server closed, its kernel answers
	// with a reset instead (RFC 1122 4.2.2.13), which depends only on when
	// the writer woke. A connection kept open would end at the deadline.
	_, err = rd.ReadByte()
	if !errors.Is(err, syscall.ECONNRESET) {
		assert.ErrorIs(t, err, io.EOF, "the connection is closed")
	}

	e := settled(t, s)
	require.Len(t, e, 1)
	assert.Equal(t, journal.EndBodyTimeout, e[0].End)
	assert.Equal(t, 408, e[0].Status)
	assert.GreaterOrEqual(t, e[0].Duration, timeout)
	assert.Less(t, e[0].Duration, timeout+time.Second)
}

// TestUnreadableBodyIs400: a body shorter than its Content-Length followed
// by a half-close, or a bad chunk, gets 400, never an empty 200, and the
// journal records the 400 the client read.
func TestUnreadableBodyIs400(t *testing.T) {
	for name, req := range map[string]string{
		"short then half-close":  "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
		"bad chunk":              "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
		"chunk longer than sent": "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
	} {
		t.Run(name, func(t *testing.T) {
			s := servePlan(t, okRoute)
			c, rd := rawRequest(t, s, req)
			if name != "bad chunk" {
				require.NoError(t, c.CloseWrite())
			}
			resp, err := http.ReadResponse(rd, nil)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Contains(t, string(body), "unreadable request body")
			e := settled(t, s)
			require.Len(t, e, 1)
			assert.Equal(t, 400, e[0].Status, "journal and wire agree")
			assert.Equal(t, journal.EndComplete, e[0].End)
			assert.False(t, e[0].Effect, "the route never ran")
		})
	}
}

// TestClientGoneMidBody: a client that resets the connection mid-body is
// journaled as gone, with no status, and nothing is answered.
func TestClientGoneMidBody(t *testing.T) {
	s := servePlan(t, okRoute)
	c, _ := rawRequest(t, s, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	require.Eventually(t, func() bool { return s.Handler.inflight.Load() == 1 }, ioWait, pollEvery, "the handler has the request")
	require.NoError(t, c.SetLinger(0))
	require.NoError(t, c.Close())
	require.Eventually(t, func() bool { return len(s.Journal().Entries()) == 1 }, 5*time.Second, 5*time.Millisecond)
	e := s.Journal().Entries()[0]
	assert.Equal(t, journal.EndClientGone, e.End)
	assert.Equal(t, 0, e.Status)
}
