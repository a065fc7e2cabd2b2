package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/faultline-dev/faultline/report"
)

// TestSchemaDocumentsEveryKey keeps SCHEMA.md honest: every key WriteJSON
// emits is described there, and its example loads with ReadJSON.
func TestSchemaDocumentsEveryKey(t *testing.T) {
	doc, err := os.ReadFile("SCHEMA.md")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, fixtureRun()); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	collectKeys(v, keys)
	if len(keys) < 30 {
		t.Fatalf("only %d keys collected: %v", len(keys), keys)
	}
	for k := range keys {
		if !bytes.Contains(doc, []byte("| `"+k+"` |")) {
			t.Errorf("SCHEMA.md has no table row for key %q", k)
		}
	}

	m := regexp.MustCompile("(?s)```json\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("SCHEMA.md has no json example")
	}
	r, err := report.ReadJSON(bytes.NewReader(m[1]))
	if err != nil {
		t.Fatalf("SCHEMA.md example does not load: %v", err)
	}
	if r.Summary() != (report.Summary{Total: 1, Failed: 1}) || report.Maturity(r.Scenarios) != "none" {
		t.Errorf("SCHEMA.md example: summary %+v, maturity %q; its summary/maturity keys disagree", r.Summary(), report.Maturity(r.Scenarios))
	}
	exampleKeys := map[string]bool{}
	var ex any
	_ = json.Unmarshal(m[1], &ex)
	collectKeys(ex, exampleKeys)
	var missing []string
	for k := range keys {
		if !exampleKeys[k] {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("SCHEMA.md example lacks keys %s", strings.Join(missing, ", "))
	}
}

func collectKeys(v any, into map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			into[k] = true
			collectKeys(child, into)
		}
	case []any:
		for _, child := range v {
			collectKeys(child, into)
		}
	}
}
