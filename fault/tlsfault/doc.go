// Package tlsfault is the TLS side of a fault upstream: the certificate it
// presents (a good one, or one a client must refuse: self-signed, expired,
// for another host), the protocol versions it offers, plain HTTP on the
// same port, and the record of the handshakes that failed. A Go program
// needs it only to test how a client handles TLS; package fault serves it.
//
// A [Plan] says what to present; a plan file's `tls:` section is one, read
// by fault.LoadPlan. [New] builds it with a fresh CA, which the client
// under test is given to trust ([Cert.CAPEM] or [Cert.Pool]), so that the
// only reason to refuse is the fault. fault.Listen serves the [Cert] through
// a [Listener], which completes each handshake itself and keeps the ones
// that fail ([Handshake]): they never become requests, so the journal
// cannot show them.
//
// From a Go test, an upstream with an expired certificate, and a client
// that must refuse it:
//
//	cert, err := tlsfault.New(&tlsfault.Plan{Certificate: tlsfault.CertExpired})
//	// handle err
//	srv, err := fault.Listen("127.0.0.1:0", fault.Wrap(nil, plan), cert)
//	// handle err
//	defer srv.Close()
//	_, err = srv.Client().Get(srv.URL + "/x") // trusts the CA: "certificate has expired"
//	for _, h := range srv.Handshakes() {
//		fmt.Println(h.Error) // remote error: tls: bad certificate
//	}
//
// [SelfSigned] is the plain case: one self-signed certificate for
// loopback, what `faultline serve --tls` presents without a plan's tls
// section.
package tlsfault
