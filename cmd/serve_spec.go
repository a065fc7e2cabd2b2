package cmd

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/faultline-dev/faultline/contract"
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/scenarios"
)

// servedSpec is the OpenAPI base handler of `serve --spec` (or a plan's
// upstream.spec) and the options that judge every request against it.
type servedSpec struct {
	spec     *contract.Spec
	file     string
	handler  http.Handler
	options  []fault.Option
	loadTime time.Duration
}

// specBase loads the spec named by --spec, or by the plan (relative to
// the plan file), and builds the handler the plan's faults wrap.
func specBase(o serveOptions, up *scenarios.Upstream) (servedSpec, error) {
	file := o.spec
	if file == "" {
		file = up.SpecPath()
	}
	if file == "" {
		return servedSpec{}, nil
	}
	if o.upstream != "" {
		return servedSpec{}, usageErr(errors.New("--upstream and a spec both answer what routes do not: give one"))
	}
	if up.Cassette != "" {
		return servedSpec{}, usageErr(errors.New("the plan names a cassette and a spec: give one"))
	}
	start := time.Now()
	spec, err := contract.Load(file)
	if err != nil {
		return servedSpec{}, usageErr(err)
	}
	return servedSpec{spec: spec, file: file, handler: spec.Handler(up.Plan.Seed), loadTime: time.Since(start),
		options: []fault.Option{fault.WithInspect(spec.Inspect), fault.WithMutator(spec)}}, nil
}

// banner says what the spec serves, and the spec's own defects.
func (s servedSpec) banner(w io.Writer) {
	if s.spec == nil {
		return
	}
	fmt.Fprintf(w, "  spec      %s: OpenAPI %s, %s, loaded in %s\n", s.file, s.spec.Version, plural(len(s.spec.Operations()), "operation"), s.loadTime.Round(time.Millisecond))
	if n := len(s.spec.Warnings); n > 0 {
		fmt.Fprintf(w, "  warnings  %s in the spec, e.g. %s\n", plural(n, "defect"), s.spec.Warnings[0])
	}
}
