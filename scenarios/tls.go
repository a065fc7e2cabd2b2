package scenarios

import (
	"os"
	"path/filepath"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/tlsfault"
	"github.com/faultline-dev/faultline/resilience"
)

// EnvCAFile names, for an external client, a PEM file with the CA that
// issued the upstream's certificate, when the scenario serves HTTPS
// (FAULTLINE_URL is then https://). Trust it, and only it: a scenario with
// a bad certificate expects the client to refuse the connection.
const EnvCAFile = "FAULTLINE_CA_FILE"

// trust is an HTTPS upstream's certificate and the CA a client is given.
type trust struct {
	server *tlsfault.Cert
	caFile string
	dir    string
}

// newTrust builds what a plan's tls section asks for; nil for plain HTTP.
func newTrust(p *fault.Plan) (*trust, error) {
	if p.TLS == nil {
		return nil, nil
	}
	srv, err := tlsfault.New(p.TLS)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "faultline-ca-")
	if err != nil {
		return nil, err
	}
	t := &trust{server: srv, caFile: filepath.Join(dir, "ca.pem"), dir: dir}
	if err := os.WriteFile(t.caFile, srv.CAPEM, 0o600); err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

func (t *trust) serverTLS() *tlsfault.Cert {
	if t == nil {
		return nil
	}
	return t.server
}

// env is the external client's part of the environment.
func (t *trust) env() []string {
	if t == nil {
		return nil
	}
	return []string{EnvCAFile + "=" + t.caFile}
}

// option has the reference client trust the CA (and nothing else).
func (t *trust) option() resilience.Option {
	if t == nil {
		return nil
	}
	return resilience.WithRootCAs(t.server.Pool)
}

func (t *trust) close() {
	if t != nil {
		_ = os.RemoveAll(t.dir)
	}
}
