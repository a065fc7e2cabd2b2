// Command harexport measures `faultline cassette export`: the time to write
// a cassette of 100,000 interactions as HAR, against a baseline measured in
// the same run (encoding/json writing the same interactions, the least any
// JSON export can cost), and at 10,000 interactions to show that the time
// per interaction does not grow with the cassette.
//
//	go run ./bench/harexport            # 100,000 interactions
//	go run ./bench/harexport -n 20000
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/faultline-dev/faultline/cassettes"
)

func main() {
	n := flag.Int("n", 100000, "interactions in the large cassette")
	flag.Parse()
	if err := run(*n); err != nil {
		fmt.Fprintln(os.Stderr, "harexport:", err)
		os.Exit(1)
	}
}

func run(n int) error {
	small, large := generate(n/10), generate(n)
	tSmall, err := best(3, func() error { return cassettes.ExportHAR(&bytes.Buffer{}, small) })
	if err != nil {
		return err
	}
	tLarge, err := best(3, func() error { return cassettes.ExportHAR(&bytes.Buffer{}, large) })
	if err != nil {
		return err
	}
	tJSON, err := best(3, func() error { return json.NewEncoder(&bytes.Buffer{}).Encode(large.Interactions) })
	if err != nil {
		return err
	}
	per := func(d time.Duration, k int) time.Duration { return d / time.Duration(k) }
	fmt.Printf("HAR export (best of 3)                 total      per interaction\n")
	fmt.Printf("  %7d interactions               %9v   %8v\n", n/10, tSmall.Round(time.Millisecond), per(tSmall, n/10))
	fmt.Printf("  %7d interactions               %9v   %8v\n", n, tLarge.Round(time.Millisecond), per(tLarge, n))
	fmt.Printf("  baseline: encoding/json, %7d     %9v   %8v\n", n, tJSON.Round(time.Millisecond), per(tJSON, n))
	fmt.Printf("growth per interaction from %d to %d: %.2fx (1.00 is linear)\n",
		n/10, n, float64(per(tLarge, n))/float64(per(tSmall, n/10)))
	fmt.Printf("export / baseline: %.2fx\n", float64(tLarge)/float64(tJSON))
	return nil
}

func best(k int, f func() error) (time.Duration, error) {
	var b time.Duration
	for i := 0; i < k; i++ {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		if d := time.Since(start); i == 0 || d < b {
			b = d
		}
	}
	return b, nil
}

// generate builds a cassette of n small JSON interactions, one in ten with
// a binary body, none with a recorded time (the slow case before: every
// entry then asked the cassette for its recording time).
func generate(n int) *cassettes.Cassette {
	c := &cassettes.Cassette{Version: cassettes.FormatVersion}
	for i := 0; i < n; i++ {
		body := fmt.Sprintf(`{"id":"ord_%d","amount":%d,"currency":"eur"}`, i, i%1000)
		if i%10 == 0 {
			body = string([]byte{0x1f, 0x8b, byte(i), 0xff, 0xfe})
		}
		c.Interactions = append(c.Interactions, &cassettes.Interaction{ID: i,
			Request: cassettes.Request{Method: "GET", URL: fmt.Sprintf("https://api.example.com/v1/orders/ord_%d?expand=items", i),
				Headers: http.Header{"Accept": {"application/json"}}},
			Response: cassettes.Response{Code: 200, Status: "200 OK", Body: body, Duration: time.Duration(i%50) * time.Millisecond,
				Headers: http.Header{"Content-Type": {"application/json"}}},
		})
	}
	return c
}
