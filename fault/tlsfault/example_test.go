package tlsfault_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/tlsfault"
)

// An upstream presents an expired certificate: a client that trusts its CA
// still refuses the connection, no request reaches the upstream, and the
// server keeps the failed handshake with the client's alert.
func Example() {
	plan, err := fault.LoadPlan("plan.yaml", []byte("tls: {certificate: expired}\nroutes:\n  - path: /x\n    respond: {status: 200}\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan.TLS)
	cert, err := tlsfault.New(plan.TLS)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := fault.Listen("127.0.0.1:0", fault.Wrap(nil, plan), cert)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	_, err = srv.Client().Get(srv.URL + "/x")
	fmt.Println(strings.Contains(fmt.Sprint(err), "certificate has expired"))
	// The server records its side of the handshake a moment after the
	// client gave up.
	for deadline := time.Now().Add(5 * time.Second); len(srv.Handshakes()) == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	for _, h := range srv.Handshakes() {
		fmt.Println(h.Error)
	}
	fmt.Println(len(srv.Journal().Entries()), "requests")
	// Output:
	// an expired certificate
	// true
	// remote error: tls: bad certificate
	// 0 requests
}
