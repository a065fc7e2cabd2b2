package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

// serveReceiver is the loopback receiver: it reads each delivery and
// answers 204, prints "ready URL", and serves until its stdin closes.
func serveReceiver() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/webhook receiver:", err)
		return 2
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fmt.Printf("ready http://%s\n", ln.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println("ok")
	}
	return 0
}

// bareSend sends delivery i with nothing around Client.Do: no deadline,
// the body read and closed.
func bareSend(c *http.Client, ds interface{ Request(int) *http.Request }) func(int) error {
	return func(i int) error {
		resp, err := c.Do(ds.Request(i))
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusNoContent {
			err = fmt.Errorf("bare client: %s", resp.Status)
		}
		return err
	}
}
