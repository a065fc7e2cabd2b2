package fault

import (
	"net/http"
)

func init() { register("status", decodeStatus) }

// statusFault answers with any status code, headers and body instead of the
// route's response: a 503, a 404, or a 200 whose body is an error.
type statusFault struct{ Response Response }

// Kind implements Fault.
func (statusFault) Kind() string { return "status" }

// Serve implements Fault.
func (s statusFault) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	c.Note("status", "code", s.Response.Status)
	for k, v := range s.Response.Headers {
		if http.CanonicalHeaderKey(k) == "Retry-After" {
			c.Note("status", "retry_after", v)
		}
	}
	s.Response.ServeHTTP(w, r)
}

type statusFile struct {
	Code    int               `yaml:"code"`
	Headers map[string]string `yaml:"headers"`
	Body    *string           `yaml:"body"`
}

func decodeStatus(d *params) (Fault, error) {
	sf := statusFile{Code: http.StatusServiceUnavailable}
	if err := d.Into(&sf); err != nil {
		return nil, err
	}
	if sf.Code < 100 || sf.Code > 599 {
		return nil, d.ErrorfKey("code", "%d is not an HTTP status (100-599)", sf.Code)
	}
	resp := Response{Status: sf.Code, Headers: canonical(sf.Headers)}
	if sf.Body != nil {
		resp.Body = []byte(*sf.Body)
	} else {
		resp.Body = []byte(`{"error":{"type":"faultline","message":"` + http.StatusText(sf.Code) + `"}}`)
	}
	return statusFault{Response: resp}, nil
}
