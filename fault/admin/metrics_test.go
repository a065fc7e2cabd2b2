package admin

import (
	"net/http/httptest"
	"testing"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/journal"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scrape reads m's text exposition as metric families.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, 200, rec.Code)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	require.NoError(t, err)
	return fams
}

// counter returns the value of the series of family name with labels.
func counter(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if got[k] != v {
				continue next
			}
		}
		return m.GetCounter().GetValue()
	}
	return 0
}

func histogramCount(fams map[string]*dto.MetricFamily, name, route string) uint64 {
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" && l.GetValue() == route {
				return m.GetHistogram().GetSampleCount()
			}
		}
	}
	return 0
}

func TestMetricsCountRequestsFaultsAndDurations(t *testing.T) {
	m := NewMetrics()
	s := servePlan(t, `
routes:
  - name: charges
    path: /charges
    respond: {json: {id: ch_1}}
    faults:
      - when: {requests: "1"}
        latency: {fixed: 1ms}
      - when: {first: 2}
        status: {code: 503}
      - when: {requests: "3"}
        reset:
`, fault.WithObserver(m.Observe))
	for i := 0; i < 4; i++ {
		_, _, _ = get(t, s, "/charges")
	}
	_, _, _ = get(t, s, "/nowhere")
	require.Eventually(t, func() bool { return len(s.Journal().Entries()) == 5 }, ioWait, pollEvery)

	fams := scrape(t, m)
	assert.Equal(t, 2.0, counter(fams, "faultline_requests_total", map[string]string{"route": "charges", "status": "503"}))
	assert.Equal(t, 1.0, counter(fams, "faultline_requests_total", map[string]string{"route": "charges", "status": "reset"}))
	assert.Equal(t, 1.0, counter(fams, "faultline_requests_total", map[string]string{"route": "charges", "status": "200"}))
	assert.Equal(t, 1.0, counter(fams, "faultline_requests_total", map[string]string{"route": "(unmatched)", "status": "404"}))
	assert.Equal(t, 2.0, counter(fams, "faultline_faults_total", map[string]string{"type": "status"}))
	assert.Equal(t, 1.0, counter(fams, "faultline_faults_total", map[string]string{"type": "reset"}))
	assert.Equal(t, 1.0, counter(fams, "faultline_faults_total", map[string]string{"type": "latency"}))
	assert.Equal(t, uint64(4), histogramCount(fams, "faultline_request_duration_seconds", "charges"))

	m.Reset()
	fams = scrape(t, m)
	assert.Zero(t, counter(fams, "faultline_requests_total", map[string]string{"route": "charges", "status": "503"}))
	assert.Zero(t, histogramCount(fams, "faultline_request_duration_seconds", "charges"))
}

func TestMetricsRegistriesAreSeparate(t *testing.T) {
	a, b := NewMetrics(), NewMetrics()
	a.Observe(&journal.Entry{Route: "r", Status: 200})
	assert.Equal(t, 1.0, counter(scrape(t, a), "faultline_requests_total", map[string]string{"route": "r"}))
	assert.Zero(t, counter(scrape(t, b), "faultline_requests_total", map[string]string{"route": "r"}))
	assert.NotSame(t, a.Registry(), b.Registry())
}
