package fault

import (
	"crypto/tls"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/fault/tlsfault"
	"github.com/faultline-dev/faultline/internal/yamlx"
)

// tlsFile is a plan's tls section as written. It is decoded here, with the
// rest of the plan, so that package tlsfault has no YAML in its API.
type tlsFile struct {
	Certificate string `yaml:"certificate"`
	MaxVersion  string `yaml:"max_version"`
	PlainHTTP   bool   `yaml:"plain_http"`
}

// decodeTLSPlan reads a plan's tls section; nil when absent.
func decodeTLSPlan(f *yamlx.File, n *yaml.Node, path string) (*tlsfault.Plan, error) {
	if n == nil || n.IsZero() {
		return nil, nil
	}
	tf := tlsFile{Certificate: tlsfault.CertValid}
	if err := f.Decode(n, &tf, path); err != nil {
		return nil, err
	}
	p := &tlsfault.Plan{Certificate: tf.Certificate, PlainHTTP: tf.PlainHTTP}
	switch tf.Certificate {
	case tlsfault.CertValid, tlsfault.CertSelfSigned, tlsfault.CertExpired, tlsfault.CertWrongHost:
	default:
		return nil, yamlx.Errorf(f.Name, yamlx.At(n, "certificate"), "%s.certificate: %q: use valid, self_signed, expired or wrong_host", path, tf.Certificate)
	}
	switch tf.MaxVersion {
	case "":
	case "1.0":
		p.MaxVersion = tls.VersionTLS10
	case "1.1":
		p.MaxVersion = tls.VersionTLS11
	default:
		return nil, yamlx.Errorf(f.Name, yamlx.At(n, "max_version"), "%s.max_version: %q: give \"1.0\" or \"1.1\" (an upstream stuck on an old protocol), or leave it out", path, tf.MaxVersion)
	}
	return p, nil
}
