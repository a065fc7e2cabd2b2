package webhook

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// tap accepts one request per connection and keeps the bytes it read.
type tap struct {
	ln  net.Listener
	got chan []byte
}

func newTap(t *testing.T) *tap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &tap{ln: ln, got: make(chan []byte, 1)}
	go w.serve()
	t.Cleanup(func() { ln.Close() })
	return w
}

func (w *tap) url() string { return "http://" + w.ln.Addr().String() }

func (w *tap) serve() {
	for {
		conn, err := w.ln.Accept()
		if err != nil {
			return
		}
		var raw bytes.Buffer
		req, err := http.ReadRequest(bufio.NewReader(io.TeeReader(conn, &raw)))
		if err == nil {
			_, err = io.Copy(io.Discard, req.Body)
		}
		if err == nil {
			_, _ = io.WriteString(conn, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
		}
		conn.Close()
		w.got <- raw.Bytes()
	}
}

// sendAsBefore is the sender as it was before it stopped copying the
// header for its own client: every request carried a copy.
func sendAsBefore(s *sender, d delivery) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.deadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.target, bytes.NewReader(d.body))
	if err != nil {
		return err
	}
	req.Header = d.header.Clone()
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// The campaign's own client sends a delivery's header without copying it:
// the bytes on the wire are those the copying sender wrote, and the
// delivery is unchanged after it was sent.
func TestSendWritesWhatTheCopyingSenderWrote(t *testing.T) {
	secrets := map[string]string{"stripe": stripeSecret, "standard": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "github": "gh", "shopify": "shop", "slack": "slack"}
	for scheme, secret := range secrets {
		t.Run(scheme, func(t *testing.T) {
			w := newTap(t)
			c, err := newCampaign(Options{Target: w.url(), Scheme: scheme, Secret: secret, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			defer c.s.client.CloseIdleConnections()
			if !c.s.shared {
				t.Fatal("the campaign's own client copies every header")
			}
			d := c.b.signed(c.event(0), "wire")
			before := d.header.Clone()
			if err := sendAsBefore(c.s, d); err != nil {
				t.Fatal(err)
			}
			want := <-w.got
			if o := c.s.send(context.Background(), d); o.code != http.StatusNoContent {
				t.Fatalf("send: %s", o.label())
			}
			if got := <-w.got; !bytes.Equal(got, want) {
				t.Fatalf("on the wire:\n%s\nthe copying sender wrote:\n%s", got, want)
			}
			if !reflect.DeepEqual(d.header, before) {
				t.Fatalf("delivery header changed by sending: %v, was %v", d.header, before)
			}
		})
	}
}

// A caller's client may edit a request's header (here its cookie jar adds
// a Cookie): the delivery keeps its own header, because it is sent again.
func TestCallersClientGetsACopyOfTheHeader(t *testing.T) {
	w := newTap(t)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(w.url())
	jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "abc"}})
	client := &http.Client{Jar: jar}
	defer client.CloseIdleConnections()
	c, err := newCampaign(Options{Target: w.url(), Scheme: "stripe", Secret: stripeSecret, Seed: 3, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	d := c.b.signed(c.event(0), "jar")
	before := d.header.Clone()
	if o := c.s.send(context.Background(), d); o.code != http.StatusNoContent {
		t.Fatalf("send: %s", o.label())
	}
	if got := <-w.got; !bytes.Contains(got, []byte("\r\nCookie: session=abc\r\n")) {
		t.Fatalf("the jar's cookie was not sent:\n%s", got)
	}
	if !reflect.DeepEqual(d.header, before) {
		t.Fatalf("delivery header = %v, want %v as signed", d.header, before)
	}
}

// Draining an empty answer allocates nothing; a long one is read to at
// most 1 MiB.
func TestDrainEmptyAnswerIsFreeLongOneIsCapped(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = drain(http.NoBody) }); n != 0 {
		t.Errorf("draining an empty answer: %.0f allocations, want 0", n)
	}
	long := strings.NewReader(strings.Repeat("x", 2<<20))
	if err := drain(long); err != nil || long.Len() != 1<<20 {
		t.Errorf("draining a 2 MiB answer: err %v, %d bytes left, want nil and 1 MiB left", err, long.Len())
	}
}
