package contract

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// maxPages bounds a listing, so that a client following a repeated cursor
// gives up instead of looping until it is killed.
const maxPages = 200

// list fetches every page of a listing by following next_cursor (or
// next_page) as the API gives it: it trusts every next link, keeps no
// record of the pages it has seen, and fails on the first error.
func list(client *http.Client, base string, c Call) error {
	next := ""
	for page := 1; page <= maxPages; page++ {
		u, err := url.Parse(base + c.Path)
		if err != nil {
			return err
		}
		if next != "" {
			q := u.Query()
			q.Set(c.Paginate, next)
			u.RawQuery = q.Encode()
		}
		if next, err = fetch(client, u.String(), c); err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		if next == "" {
			return nil
		}
	}
	return fmt.Errorf("GET %s: more than %d pages", c.Path, maxPages)
}

func fetch(client *http.Client, u string, c Call) (string, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("reading the body: %w", err)
	}
	if resp.StatusCode >= 400 {
		return "", fmt.Errorf("GET %s: %s", c.Path, resp.Status)
	}
	var p struct {
		NextCursor *string `json:"next_cursor"`
		NextPage   *int    `json:"next_page"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return "", err
	}
	switch {
	case p.NextCursor != nil:
		return *p.NextCursor, nil
	case p.NextPage != nil:
		return strconv.Itoa(*p.NextPage), nil
	}
	return "", nil
}
