package errdiscard

import (
	"fmt"
	"io"
	"net/http"
)

func fireAndForget(c *http.Client, req *http.Request) {
	c.Do(req) // want `the result of Do is thrown away, error and all`
}

func blankError(c *http.Client, url string) int {
	resp, _ := c.Get(url) // want `the error of Get is assigned to _`
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body) // want `the error of ReadAll is assigned to _`
	return len(body)
}

func background(c *http.Client, req *http.Request) {
	go c.Do(req) // want `the result of Do is thrown away`
}

// Negative cases.

func checked(c *http.Client, url string) ([]byte, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func otherReader(r io.Reader) []byte {
	b, _ := io.ReadAll(r) // not a response body
	return b
}

func errorMessage(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body) // only decorates the error returned: no finding
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return nil
}
