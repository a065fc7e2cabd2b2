// Command cassettes measures faultline's cassette replay against go-vcr
// v3.2.0 on the same file, in the same run, and prints the ratios.
//
// It generates a cassette of -n interactions (about 2 KB bodies; mixed
// methods; half of them POSTs to one URL that differ only by body), writes it
// in go-vcr's format to a temporary folder, then:
//
//   - loads it with both libraries (time and retained heap);
//
//   - replays every request once in a seeded random order through go-vcr's
//     recorder (default matcher, as users get it) and through faultline's
//     Replayer, timing the lookups and checking every response;
//
//   - replays with 1 and with -workers concurrent goroutines, and with the
//     same goroutines behind one global lock, to show whether lookups scale
//     or serialize.
//
//     go run ./bench/cassettes            # 10,000 interactions, ~20-40 s
//     go run ./bench/cassettes -n 2000    # quick
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/faultline-dev/faultline/cassettes"
	"gopkg.in/dnaeon/go-vcr.v3/cassette"
	"gopkg.in/dnaeon/go-vcr.v3/recorder"
)

var cpuprofile = flag.String("cpuprofile", "", "write a CPU profile of faultline's replay pass to this file")

func startProfile() func() {
	if *cpuprofile == "" {
		return func() {}
	}
	f, err := os.Create(*cpuprofile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return func() {}
	}
	_ = pprof.StartCPUProfile(f)
	return func() { pprof.StopCPUProfile(); f.Close() }
}

func main() {
	n := flag.Int("n", 10000, "interactions in the generated cassette")
	seed := flag.Uint64("seed", 1, "seed for the generated data and the replay order")
	workers := flag.Int("workers", 16, "concurrent replayers for the scaling run")
	ops := flag.Int("ops", 100000, "requests per scaling run")
	passes := flag.Int("passes", 3, "measured passes per replay; the best is reported")
	flag.Parse()
	if err := run(*n, *seed, *workers, *ops, *passes); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// spec is one request to replay and the marker its response must hold.
type spec struct {
	method, url, body, want string
}

func run(n int, seed uint64, workers, ops, passes int) error {
	dir, err := os.MkdirTemp("", "faultline-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "big")
	c, specs := generate(n, seed)
	if err := c.Save(name + ".yaml"); err != nil {
		return err
	}
	fi, err := os.Stat(name + ".yaml")
	if err != nil {
		return err
	}
	fmt.Printf("cassette: %d interactions, %.1f MB, GOMAXPROCS=%d\n\n", n, float64(fi.Size())/1e6, runtime.GOMAXPROCS(0))

	rng := rand.New(rand.NewPCG(seed, 99))
	order := rng.Perm(len(specs))

	// Load.
	var fl *cassettes.Cassette
	flLoad, flHeap := measureLoad(func() (any, error) { var e error; fl, e = cassettes.Load(name + ".yaml"); return fl, e })
	var vcr *recorder.Recorder
	vcrLoad, vcrHeap := measureLoad(func() (any, error) {
		var e error
		vcr, e = recorder.NewWithOptions(&recorder.Options{CassetteName: name, Mode: recorder.ModeReplayOnly, SkipRequestLatency: true})
		return vcr, e
	})
	if fl == nil || vcr == nil {
		return fmt.Errorf("load failed")
	}
	var rp *cassettes.Replayer
	index, indexHeap := measureLoad(func() (any, error) { rp = cassettes.NewReplayer(fl, cassettes.ReplayOptions{}); return rp, nil })
	fmt.Println("machine:", runtime.NumCPU(), "CPUs; timings on a shared machine vary, CPU time less so")
	fmt.Println("load (parse + validate)        time        retained heap")
	fmt.Printf("  go-vcr v3.2.0            %10v   %8.1f MB\n", vcrLoad.Round(time.Millisecond), vcrHeap/1e6)
	fmt.Printf("  faultline                %10v   %8.1f MB\n", flLoad.Round(time.Millisecond), flHeap/1e6)
	fmt.Printf("  faultline replay index   %10v   %8.1f MB\n\n", index.Round(time.Millisecond), indexHeap/1e6)

	// Replay every request once, random order; best of -passes runs each.
	// Wall time and process CPU time (which other processes on a busy
	// machine do not inflate) are both reported.
	newVCR := func() *recorder.Recorder {
		r, err := recorder.NewWithOptions(&recorder.Options{CassetteName: name, Mode: recorder.ModeReplayOnly, SkipRequestLatency: true})
		if err != nil {
			panic(err)
		}
		return r
	}
	vcrT := best(passes, func() timing {
		r := vcr
		vcr = nil
		if r == nil {
			r = newVCR() // go-vcr marks what it replayed: a new pass needs a new recorder
		}
		return replay(specs, order, func(q *http.Request) string { return viaGoVCR(r, q) })
	})
	stop := startProfile()
	flT := best(passes, func() timing {
		rp := cassettes.NewReplayer(fl, cassettes.ReplayOptions{})
		w := &sink{h: http.Header{}}
		return replay(specs, order, func(q *http.Request) string { return w.serve(rp, q) })
	})
	stop()
	reformatted := reformat(specs)
	canonT := best(passes, func() timing {
		rp := cassettes.NewReplayer(fl, cassettes.ReplayOptions{})
		w := &sink{h: http.Header{}}
		return replay(reformatted, order, func(q *http.Request) string { return w.serve(rp, q) })
	})
	// The same passes with each request's body received just before it is
	// sent, as a server reads it from its socket (see replayReceived).
	vcrW := best(passes, func() timing {
		r := newVCR()
		return replayReceived(specs, order, false, func(q *http.Request) string { return viaGoVCR(r, q) })
	})
	flW := best(passes, func() timing {
		rp := cassettes.NewReplayer(fl, cassettes.ReplayOptions{})
		w := &sink{h: http.Header{}}
		return replayReceived(specs, order, false, func(q *http.Request) string { return w.serve(rp, q) })
	})
	// Lookup alone: the step the two libraries differ in, without handing
	// the response body to the client, which costs both the same.
	vcrL := best(passes, func() timing {
		c, err := cassette.Load(name)
		if err != nil {
			panic(err)
		}
		return replayReceived(specs, order, true, func(q *http.Request) string { return lookupGoVCR(c, q) })
	})
	flL := best(passes, func() timing {
		rp := cassettes.NewReplayer(fl, cassettes.ReplayOptions{})
		var buf bytes.Buffer
		return replayReceived(specs, order, true, func(q *http.Request) string { return lookupFaultline(rp, &buf, q) })
	})

	fmt.Printf("replay every request once, random order, best of %d   per request (wall, cpu)   correct   speed-up (wall, cpu)\n", passes)
	row := func(label string, t, base timing) {
		fmt.Printf("  %-46s %8v %8v %8.2f%%", label, per(t.wall, n), per(t.cpu, n), pct(t.ok, n))
		if t != base {
			fmt.Printf("   %5.0fx %5.0fx", float64(base.wall)/float64(t.wall), float64(base.cpu)/float64(t.cpu))
		}
		fmt.Println()
	}
	fmt.Println(" lookup: find the recording for a received request (cpu: the replaying thread's)")
	row("go-vcr v3.2.0 Cassette.GetInteraction", vcrL, vcrL)
	row("faultline Replayer.Lookup (reading the body)", flL, vcrL)
	fmt.Println(" end to end: lookup, then the response body copied out (cpu: the replaying thread's)")
	row("go-vcr v3.2.0 Recorder.RoundTrip", vcrW, vcrW)
	row("faultline Replayer.ServeHTTP", flW, vcrW)
	fmt.Printf(" end to end, request bodies built in advance (%.0f MB, each read a cache miss; cpu: the process's)\n", float64(bodyBytes(specs))/1e6)
	row("go-vcr v3.2.0 Recorder.RoundTrip", vcrT, vcrT)
	row("faultline Replayer.ServeHTTP", flT, vcrT)
	row("faultline, JSON keys and query reordered", canonT, vcrT)
	ratio := func(base, t timing) string {
		w, c := float64(base.wall)/float64(t.wall), float64(base.cpu)/float64(t.cpu)
		verdict := "MISSES"
		if min(w, c) >= 50 {
			verdict = "meets"
		}
		return fmt.Sprintf("%.0fx wall, %.0fx cpu: %s", w, c, verdict)
	}
	fmt.Println("  go-vcr's matcher ignores bodies (half its answers are wrong) and cannot match reordered requests.")
	fmt.Printf("  go-vcr scans the cassette, so its lookup grows with the number of recordings (here %d); faultline's does not.\n", n)
	fmt.Printf("  50x lookup target: lookup %s\n", ratio(vcrL, flL))
	fmt.Printf("  for reference: end to end %s; bodies built in advance %s\n\n", ratio(vcrW, flW), ratio(vcrT, flT))

	// Scaling: many requests, repeat-last keeps every request matched.
	// Rounds interleave the three set-ups so that a burst of load from other
	// processes does not favour one; the best round of each is kept.
	var one, many, locked float64
	for i := 0; i < max(passes, 1); i++ {
		one = max(one, throughput(rp, specs, order, 1, ops, false))
		many = max(many, throughput(rp, specs, order, workers, ops, false))
		locked = max(locked, throughput(rp, specs, order, workers, ops, true))
	}
	fmt.Printf("concurrent replay (best of %d rounds)     requests/s\n", max(passes, 1))
	fmt.Printf("  1 replayer                            %10.0f\n", one)
	fmt.Printf("  %d replayers                          %10.0f   (%.2fx of 1)\n", workers, many, many/one)
	fmt.Printf("  %d replayers behind one global lock   %10.0f   (%.2fx of 1)\n", workers, locked, locked/one)
	fmt.Printf("  scaling is bounded by GOMAXPROCS=%d\n", runtime.GOMAXPROCS(0))
	return nil
}

// generate builds n interactions and the requests that should get each one.
func generate(n int, seed uint64) (*cassettes.Cassette, []spec) {
	rng := rand.New(rand.NewPCG(seed, 7))
	c := &cassettes.Cassette{Version: cassettes.FormatVersion}
	var specs []spec
	filler := func(size int) string {
		const letters = "abcdefghijklmnopqrstuvwxyz "
		b := make([]byte, size)
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	for i := 0; i < n; i++ {
		var method, path, body string
		switch r := i % 20; {
		case r < 10: // half: POSTs to one URL, only the body differs
			method, path = "POST", "/v1/charges"
			body = fmt.Sprintf(`{"amount":%d,"currency":"usd","customer":"cus_%d","description":%q,"metadata":{"order":"%d"}}`,
				1000+i, i%50, filler(1800), i)
		case r < 15:
			method, path = "GET", fmt.Sprintf("/v1/customers/cus_%d?expand=sources&limit=%d", i, 10+i%5)
		case r < 18:
			method, path = "PUT", fmt.Sprintf("/v1/customers/cus_%d", i)
			body = fmt.Sprintf(`{"email":"u%d@example.com","note":%q}`, i, filler(1800))
		default:
			method, path = "DELETE", fmt.Sprintf("/v1/customers/cus_%d", i)
		}
		want := fmt.Sprintf(`"id":"obj_%d"`, i)
		resp := fmt.Sprintf(`{%s,"object":"thing","livemode":false,"payload":%q}`, want, filler(2000))
		hdr := http.Header{"Content-Type": {"application/json"}}
		c.Interactions = append(c.Interactions, &cassettes.Interaction{ID: i,
			Request:  cassettes.Request{Method: method, URL: "https://api.example.com" + path, Body: body, Headers: hdr.Clone(), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1},
			Response: cassettes.Response{Code: 200, Status: "200 OK", Body: resp, Headers: hdr.Clone(), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1},
		})
		specs = append(specs, spec{method: method, url: "https://api.example.com" + path, body: body, want: want})
	}
	return c, specs
}

func measureLoad(load func() (any, error)) (time.Duration, float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	v, err := load()
	took := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return took, float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

func request(s spec) *http.Request {
	u, _ := url.Parse(s.url)
	req := &http.Request{Method: s.method, URL: u, Host: u.Host, Header: http.Header{"Content-Type": {"application/json"}},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RequestURI: u.RequestURI()}
	if s.body != "" {
		req.Body = io.NopCloser(strings.NewReader(s.body))
		req.ContentLength = int64(len(s.body))
	} else {
		req.Body = http.NoBody
	}
	return req
}

// timing is one measured pass.
type timing struct {
	wall, cpu time.Duration
	ok        int
}

// best runs a measurement k times and keeps the fastest: by CPU time when
// the pass measured it, else by wall time.
func best(k int, pass func() timing) timing {
	var b timing
	for i := 0; i < k; i++ {
		t := pass()
		faster := t.wall < b.wall
		if t.cpu > 0 {
			faster = t.cpu < b.cpu
		}
		if i == 0 || faster {
			b = t
		}
	}
	return b
}

// replay sends each request once in order and counts correct responses.
// Requests are built before the clock starts; checking a response is a
// substring search, the same for both libraries.
func replay(specs []spec, order []int, send func(*http.Request) string) timing {
	reqs := make([]*http.Request, len(order))
	for i, o := range order {
		reqs[i] = request(specs[o])
	}
	runtime.GC()
	ok := 0
	start, cpu := time.Now(), cpuTime()
	for i, r := range reqs {
		if strings.Contains(send(r), specs[order[i]].want) {
			ok++
		}
	}
	return timing{wall: time.Since(start), cpu: cpuTime() - cpu, ok: ok}
}

// receiveBatch is how many requests replayReceived readies at a time:
// 16 bodies of about 2 KB stay in the CPU's cache.
const receiveBatch = 16

// replayReceived is replay with each body copied into its own buffer (as
// a server's read from its socket leaves it, in cache) just before a batch
// of requests is sent; only the sending is timed. This is what a replay
// server pays per request. replay, by contrast, sends bodies built long
// before (a cache miss each, which only a matcher that reads bodies pays).
//
// With later, responses are checked after the clock stops (send's results
// must stay valid), so that only the lookup is timed.
func replayReceived(specs []spec, order []int, later bool, send func(*http.Request) string) timing {
	reqs := make([]*http.Request, len(order))
	for i, o := range order {
		reqs[i] = request(specs[o])
	}
	slots := make([][]byte, receiveBatch)
	runtime.LockOSThread() // so that threadCPU is this pass's
	defer runtime.UnlockOSThread()
	runtime.GC()
	ok := 0
	var wall, cpu time.Duration
	for at := 0; at < len(reqs); at += receiveBatch {
		batch := reqs[at:min(at+receiveBatch, len(reqs))]
		for j, r := range batch {
			body := specs[order[at+j]].body
			slots[j] = append(slots[j][:0], body...)
			if body != "" {
				r.Body = io.NopCloser(bytes.NewReader(slots[j]))
			}
		}
		var got [receiveBatch]string
		start, cpu0 := time.Now(), threadCPU()
		for j, r := range batch {
			if got[j] = send(r); !later && strings.Contains(got[j], specs[order[at+j]].want) {
				ok++
			}
		}
		wall, cpu = wall+time.Since(start), cpu+threadCPU()-cpu0
		for j := range batch {
			if later && strings.Contains(got[j], specs[order[at+j]].want) {
				ok++
			}
		}
	}
	return timing{wall: wall, cpu: cpu, ok: ok}
}

// reformat changes requests the way a different client would: JSON with
// other spacing and key order, query parameters in another order.
func reformat(specs []spec) []spec {
	out := make([]spec, len(specs))
	for i, s := range specs {
		if u, err := url.Parse(s.url); err == nil && u.RawQuery != "" {
			parts := strings.Split(u.RawQuery, "&")
			slices.Reverse(parts)
			u.RawQuery = strings.Join(parts, "&")
			s.url = u.String()
		}
		if s.body != "" {
			var v map[string]any
			if json.Unmarshal([]byte(s.body), &v) == nil {
				b, _ := json.MarshalIndent(v, "", " ") // sorted keys, new spacing
				s.body = string(b)
			}
		}
		out[i] = s
	}
	return out
}

// scratch receives go-vcr's response bodies (the harness is single-threaded
// when it replays through go-vcr).
var scratch = make([]byte, 1<<20)

func viaGoVCR(rec *recorder.Recorder, r *http.Request) string {
	resp, err := rec.RoundTrip(r)
	if err != nil {
		return err.Error()
	}
	n, _ := io.ReadFull(resp.Body, scratch)
	return unsafeString(scratch[:n])
}

// lookupGoVCR is go-vcr's lookup, the call its recorder makes before it
// builds a response.
func lookupGoVCR(c *cassette.Cassette, r *http.Request) string {
	i, err := c.GetInteraction(r)
	if err != nil {
		return err.Error()
	}
	return i.Response.Body
}

// lookupFaultline reads the body (go-vcr's default matcher never does)
// into a reused buffer and looks the request up.
func lookupFaultline(rp *cassettes.Replayer, buf *bytes.Buffer, r *http.Request) string {
	buf.Reset()
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return err.Error()
	}
	i, err := rp.Lookup(r, buf.Bytes())
	if err != nil {
		return err.Error()
	}
	return i.Response.Body
}

func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// sink is a minimal http.ResponseWriter that copies the body into one
// reused buffer, exactly as the go-vcr side reads each response body into
// one reused scratch buffer: neither side pays the harness an allocation.
type sink struct {
	h    http.Header
	code int
	buf  []byte
}

func (s *sink) Header() http.Header               { return s.h }
func (s *sink) WriteHeader(code int)              { s.code = code }
func (s *sink) Write(b []byte) (int, error)       { s.buf = append(s.buf, b...); return len(b), nil }
func (s *sink) WriteString(b string) (int, error) { s.buf = append(s.buf, b...); return len(b), nil }

// serve reuses one sink, as the go-vcr side reuses one read buffer.
func (s *sink) serve(h http.Handler, r *http.Request) string {
	clear(s.h)
	s.buf, s.code = s.buf[:0], 0
	h.ServeHTTP(s, r)
	return unsafeString(s.buf)
}

func viaHandler(h http.Handler, r *http.Request) string {
	w := &sink{h: http.Header{}}
	h.ServeHTTP(w, r)
	return string(w.buf)
}

// bodyReader is a reusable request body.
type bodyReader struct{ strings.Reader }

func (*bodyReader) Close() error { return nil }

// throughput replays ops requests split over workers goroutines and returns
// requests per second. Each worker reuses one request and one sink, so the
// harness allocates nothing and the replayer's own cost shows.
func throughput(rp *cassettes.Replayer, specs []spec, order []int, workers, ops int, global bool) float64 {
	var h http.Handler = rp
	if global {
		var mu sync.Mutex
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			rp.ServeHTTP(w, r)
		})
	}
	urls := make([]*url.URL, len(specs))
	for i, s := range specs {
		urls[i], _ = url.Parse(s.url)
	}
	hdr := http.Header{"Content-Type": {"application/json"}}
	var wg sync.WaitGroup
	var bad atomic.Int64
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			body := &bodyReader{}
			out := &sink{h: http.Header{}}
			var req http.Request
			for i := w; i < ops; i += workers {
				o := order[i%len(order)]
				s := specs[o]
				body.Reset(s.body)
				req = http.Request{Method: s.method, URL: urls[o], Header: hdr, Body: body, ContentLength: int64(len(s.body))}
				if !strings.Contains(out.serve(h, &req), s.want) {
					bad.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	took := time.Since(start)
	if n := bad.Load(); n > 0 {
		fmt.Fprintln(os.Stderr, "wrong responses:", n)
	}
	return float64(ops) / took.Seconds()
}

func bodyBytes(specs []spec) (n int) {
	for _, s := range specs {
		n += len(s.body)
	}
	return n
}

func per(d time.Duration, n int) time.Duration {
	return (d / time.Duration(n)).Round(100 * time.Nanosecond)
}

func pct(ok, n int) float64 { return 100 * float64(ok) / float64(n) }
