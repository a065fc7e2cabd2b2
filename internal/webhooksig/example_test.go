package webhooksig_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/faultline-dev/faultline/internal/webhooksig"
)

func Example() {
	s, err := webhooksig.New("github", "It's a Secret to Everybody", webhooksig.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	body := []byte("Hello, World!")
	h := http.Header{}
	_ = s.Sign(h, webhooksig.Delivery{ID: "guid-1", Event: "ping", Body: body})
	fmt.Println(h.Get("X-Hub-Signature-256"))
	fmt.Println(s.Verify(h, body, time.Now()))
	fmt.Println(s.Verify(h, []byte("Hello, World?"), time.Now()))
	// Output:
	// sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17
	// <nil>
	// no signature matches
}
