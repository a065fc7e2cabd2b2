package fault

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
)

func init() { register("paginate", decodePaginate) }

// paginateFault serves a listing of a generated collection, page by page, and
// breaks it at a chosen page. It answers the route itself.
//
// With Style "cursor", GET ?cursor=C returns
// {"data": [...], "next_cursor": "C2", "has_more": true} (no cursor: the
// first page; next_cursor null on the last). With Style "page", GET ?page=N
// returns {"data": [...], "page": N, "next_page": N+1} (next_page null on
// the last). Items are {"id": "item_0001", "n": 1, "amount": ...}, the
// amounts drawn from Seed, the same on every fetch.
//
// At page FaultPage the listing breaks: FaultKind "status" answers 503,
// "reset" drops the connection, "truncate" cuts the body halfway (each for
// the first FaultTimes fetches of that page, then it serves it), and
// "repeat_cursor" makes that page's next cursor (or next page) the one it
// was fetched with, forever: a client that follows it loops.
//
// The journal records each fetch's page, what it was asked for (asked: the
// cursor or page number), the next one it gave (next), and the fault. Use it as a pointer: it
// counts fetches per page.
type paginateFault struct {
	Items      int
	PageSize   int
	Style      string // "cursor" or "page"
	Seed       uint64
	FaultPage  int // 0: no fault
	FaultKind  string
	FaultTimes int

	mu      sync.Mutex
	fetches map[int]int
}

// Kind implements Fault.
func (*paginateFault) Kind() string { return "paginate" }

// Reset forgets every fetch counted (Handler.Reset calls it).
func (p *paginateFault) Reset() {
	p.mu.Lock()
	p.fetches = nil
	p.mu.Unlock()
}

// Pages is how many pages the listing has.
func (p *paginateFault) Pages() int { return max(1, (p.Items+p.PageSize-1)/p.PageSize) }

// pageCursor is the opaque cursor of page n (1-based; page 1 has none).
func pageCursor(n int) string {
	if n <= 1 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("page:" + strconv.Itoa(n)))
}

func pageOfCursor(c string) (int, bool) {
	if c == "" {
		return 1, true
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 6 || string(b[:5]) != "page:" {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[5:]))
	return n, err == nil && n >= 1
}

// Serve implements Fault.
func (p *paginateFault) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	n, asked, ok := p.page(r)
	if !ok || n > p.Pages() {
		c.Note("paginate", "error", "bad "+p.Style)
		oauthJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("invalid %s %q: use the one the previous page gave", p.Style, asked)})
		return
	}
	c.Note("paginate", "page", n)
	c.Note("paginate", "pages", p.Pages())
	c.Note("paginate", "asked", asked)
	p.mu.Lock()
	if p.fetches == nil {
		p.fetches = map[int]int{}
	}
	p.fetches[n]++
	fetch := p.fetches[n]
	p.mu.Unlock()
	body, next := p.render(n)
	c.Note("paginate", "next", next)
	page := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
	if n != p.FaultPage || p.FaultKind == "repeat_cursor" || fetch > p.FaultTimes {
		page(w, r)
		return
	}
	c.Note("paginate", "fault", p.FaultKind)
	cc := *c
	cc.Next = page
	switch p.FaultKind {
	case "status":
		statusFault{Response: Response{Status: http.StatusServiceUnavailable, Body: []byte(`{"error":"listing temporarily unavailable"}`)}}.Serve(w, r, &cc)
	case "reset":
		resetFault{}.Serve(w, r, &cc)
	case "truncate":
		truncateFault{Fraction: 0.5}.Serve(w, r, &cc)
	}
}

// page reads which page r asks for.
func (p *paginateFault) page(r *http.Request) (n int, asked string, ok bool) {
	q := r.URL.Query()
	if p.Style == "page" {
		asked = q.Get("page")
		if asked == "" {
			return 1, "", true
		}
		n, err := strconv.Atoi(asked)
		return n, asked, err == nil && n >= 1
	}
	asked = q.Get("cursor")
	n, ok = pageOfCursor(asked)
	return n, asked, ok
}

// render builds page n and returns it with the next cursor or page.
func (p *paginateFault) render(n int) ([]byte, string) {
	var items []map[string]any
	for i := (n-1)*p.PageSize + 1; i <= min(n*p.PageSize, p.Items); i++ {
		rnd := rand.New(rand.NewPCG(p.Seed, uint64(i)))
		items = append(items, map[string]any{"id": fmt.Sprintf("item_%04d", i), "n": i, "amount": 100 + rnd.IntN(9900)})
	}
	nextN := n + 1
	if n == p.FaultPage && p.FaultKind == "repeat_cursor" {
		nextN = n
	}
	last := nextN > p.Pages()
	out := map[string]any{"data": items}
	next := ""
	if p.Style == "page" {
		out["page"], out["next_page"] = n, nil
		if !last {
			out["next_page"], next = nextN, strconv.Itoa(nextN)
		}
	} else {
		out["next_cursor"], out["has_more"] = nil, !last
		if !last {
			next = pageCursor(nextN)
			out["next_cursor"] = next
		}
	}
	body, _ := json.Marshal(out)
	return body, next
}

type paginateFile struct {
	Items    int    `yaml:"items"`
	PageSize int    `yaml:"page_size"`
	Style    string `yaml:"style"`
	Seed     uint64 `yaml:"seed"`
	Fault    *struct {
		Page  int    `yaml:"page"`
		Kind  string `yaml:"kind"`
		Times int    `yaml:"times"`
	} `yaml:"fault"`
}

func decodePaginate(d *params) (Fault, error) {
	f := paginateFile{Items: 100, PageSize: 10, Style: "cursor", Seed: 1}
	if err := d.Into(&f); err != nil {
		return nil, err
	}
	p := &paginateFault{Items: f.Items, PageSize: f.PageSize, Style: f.Style, Seed: f.Seed}
	switch {
	case f.Items < 0 || f.Items > 1_000_000:
		return nil, d.ErrorfKey("items", "%d: give a collection size from 0 to 1000000", f.Items)
	case f.PageSize < 1 || f.PageSize > 10_000:
		return nil, d.ErrorfKey("page_size", "%d: give a page size from 1 to 10000", f.PageSize)
	case f.Style != "cursor" && f.Style != "page":
		return nil, d.ErrorfKey("style", "%q: use cursor or page", f.Style)
	}
	if ff := f.Fault; ff != nil {
		p.FaultPage, p.FaultKind, p.FaultTimes = ff.Page, ff.Kind, max(ff.Times, 1)
		switch {
		case ff.Page < 1 || ff.Page > p.Pages():
			return nil, d.ErrorfKey("fault", "page %d: the listing has pages 1 to %d", ff.Page, p.Pages())
		case ff.Kind != "status" && ff.Kind != "reset" && ff.Kind != "truncate" && ff.Kind != "repeat_cursor":
			return nil, d.ErrorfKey("fault", "kind %q: use status, reset, truncate or repeat_cursor", ff.Kind)
		case ff.Kind == "repeat_cursor" && ff.Page < 2:
			return nil, d.ErrorfKey("fault", "repeat_cursor on page 1 would end the listing: give page 2 or later")
		case ff.Times < 0:
			return nil, d.ErrorfKey("fault", "times %d: must not be negative", ff.Times)
		}
	}
	return p, nil
}
