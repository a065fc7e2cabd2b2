package fault

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// closeCounter is a connection that counts its closes, and holds back a
// read error until release is closed: the client's reader cannot close the
// connection on its own when the server closes its end.
type closeCounter struct {
	net.Conn
	closed  *atomic.Int32
	release chan struct{}
}

func (c closeCounter) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		<-c.release
	}
	return n, err
}

func (c closeCounter) Close() error {
	c.closed.Add(1)
	return c.Conn.Close()
}

// TestClientCachedAndClosed: Client is one client, as httptest.Server's is,
// and Close closes the idle connection it keeps from the client's side
// itself, before returning: not later, when the client's reader sees the
// server's end closed (the test holds that reader back).
func TestClientCachedAndClosed(t *testing.T) {
	s := servePlan(t, "routes:\n  - path: /x\n    respond: {status: 200}\n")
	c := s.Client()
	require.Same(t, c, s.Client(), "every call returns the same client")

	var dials, closed atomic.Int32
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tr := c.Transport.(*http.Transport)
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		dials.Add(1)
		return closeCounter{conn, &closed, release}, nil
	}
	for range 2 {
		resp, err := c.Get(s.URL + "/x")
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
	}
	require.Equal(t, int32(1), dials.Load(), "the second request reuses the idle connection")
	require.Equal(t, int32(0), closed.Load(), "the connection is idle, still open")

	s.Close()
	assert.Equal(t, int32(1), closed.Load(), "Close closed the client's idle connection")
}
