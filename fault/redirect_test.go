package fault

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedirectToAnotherHostIsFollowedNotLooped(t *testing.T) {
	s := servePlan(t, `
routes:
  - path: /v1/export
    respond: {status: 200, body: "id,amount\n"}
    faults:
      - redirect: {path: "/v1/export?part=1"}
`)
	c := ownClient(s)
	var hops []string
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		hops = append(hops, r.URL.String())
		return nil
	}
	resp, err := c.Get(s.URL + "/v1/export")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "id,amount\n", string(body))
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	assert.Equal(t, []string{"http://localhost:" + port + "/v1/export?part=1"}, hops)

	es := s.Journal().Entries()
	require.Len(t, es, 2)
	assert.Equal(t, 307, es[0].Status)
	assert.Equal(t, "localhost:"+port, es[0].Faults[0].Params["to"])
	assert.Equal(t, "127.0.0.1:"+port, es[0].Host)
	assert.Equal(t, "localhost:"+port, es[1].Host)
	assert.Equal(t, 200, es[1].Status)
}

func TestRedirectDecodeErrors(t *testing.T) {
	for src, want := range map[string]string{
		`{status: 200}`:        "200 is not a redirect",
		`{host: example.com}`:  `"example.com": give a name this upstream answers to`,
		`{path: "http://x/y"}`: "give a path starting with /",
	} {
		_, err := LoadPlan("p.yaml", []byte("routes:\n  - path: /x\n    faults:\n      - redirect: "+src+"\n"))
		require.Error(t, err, src)
		assert.Contains(t, err.Error(), want, src)
	}
}
