package scenarios

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/internal/ctxtime"
	"github.com/faultline-dev/faultline/resilience"
)

// runReference drives the reference client through the scenario's calls,
// in order; a call with concurrency > 1 runs its count across that many
// workers, each waiting Pace between calls.
func runReference(ctx context.Context, sc *Scenario, baseURL string, seed int64, tlsOpt resilience.Option) []CallResult {
	ref := sc.Client.Reference
	opts := []resilience.Option{resilience.WithSeed(seed), resilience.WithLogger(slog.New(slog.DiscardHandler)), tlsOpt}
	if fb := ref.Fallback; fb != nil {
		opts = append(opts, resilience.WithFallback(func(*resilience.Request, error) (*resilience.Response, error) {
			return &resilience.Response{StatusCode: fb.Status, Body: fb.Body, Fallback: true}, nil
		}))
	}
	client := session(resilience.New(ref.Policy, opts...), sc.Plan, baseURL)
	var out []CallResult
	for i := range sc.Client.Calls {
		out = append(out, runCalls(ctx, client, &sc.Client.Calls[i], baseURL)...)
	}
	return out
}

func runCalls(ctx context.Context, client *resilience.Session, c *Call, baseURL string) []CallResult {
	results := make([]CallResult, c.Count)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(c.Concurrency, c.Count); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = oneCall(ctx, client, c, baseURL)
			}
		}()
	}
	for i := 0; i < c.Count; i++ {
		if i >= c.Concurrency && c.Pace > 0 && ctxtime.Sleep(ctx, c.Pace) != nil {
			// The scenario's time ran out: the calls never made are failures
			// for the checks to see, not silently dropped.
			for k := i; k < c.Count; k++ {
				results[k] = CallResult{Method: c.Method, Path: c.Path, Start: time.Now(),
					Err: fmt.Errorf("not made: the scenario's time ran out first (%w)", ctx.Err())}
			}
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func oneCall(ctx context.Context, client *resilience.Session, c *Call, baseURL string) CallResult {
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	if c.Paginate != "" {
		return listCall(ctx, client, c, baseURL)
	}
	req := &resilience.Request{Method: c.Method, URL: baseURL + c.Path, Header: http.Header{}, Kind: resilience.Kind(c.Kind)}
	if c.Body != "" {
		req.Body = []byte(c.Body)
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	res := CallResult{Method: c.Method, Path: c.Path, Start: time.Now()}
	resp, err := client.Do(ctx, req)
	res.Duration = time.Since(res.Start)
	res.Err = err
	if resp != nil {
		res.Status, res.Attempts, res.Fallback = resp.StatusCode, resp.Attempts, resp.Fallback
		if err == nil && len(c.Expect) > 0 && !resp.Fallback {
			res.Err = resilience.DecodeJSON(resp.Body, reflect.New(shapeType(c.Expect)).Interface())
		}
	}
	return res
}

// shapeType builds a struct type for DecodeJSON from dotted field paths and
// JSON types, every field required: {"id": "string", "customer.name":
// "string"} becomes struct{ID string; Customer struct{Name string}}.
func shapeType(fields map[string]string) reflect.Type {
	direct := map[string]string{}
	nested := map[string]map[string]string{}
	for path, typ := range fields {
		head, rest, ok := strings.Cut(path, ".")
		if !ok {
			direct[head] = typ
			continue
		}
		if nested[head] == nil {
			nested[head] = map[string]string{}
		}
		nested[head][rest] = typ
	}
	var sfs []reflect.StructField
	add := func(name string, t reflect.Type) {
		sfs = append(sfs, reflect.StructField{Name: "F" + string(rune('A'+len(sfs)%26)) + strings.Repeat("x", len(sfs)/26), Type: t,
			Tag: reflect.StructTag(`json:"` + name + `" validate:"required"`)})
	}
	for _, name := range sortedKeys(direct) {
		add(name, jsonType(direct[name]))
	}
	for _, name := range sortedKeys(nested) {
		add(name, shapeType(nested[name]))
	}
	return reflect.StructOf(sfs)
}

func jsonType(t string) reflect.Type {
	switch t {
	case "number":
		return reflect.TypeOf(float64(0))
	case "bool":
		return reflect.TypeOf(false)
	case "object":
		return reflect.TypeOf(map[string]any{})
	case "array":
		return reflect.TypeOf([]any{})
	}
	return reflect.TypeOf("")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
