package contract_test

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/faultline-dev/faultline/contract"
)

// BenchmarkValidateRequest is the work serve --spec adds to each request:
// find the operation and judge the request (bench/contract measures it
// against the plain stub over HTTP).
func BenchmarkValidateRequest(b *testing.B) {
	spec, err := contract.Load("testdata/bench_orders.yaml")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"amount":1200,"currency":"eur","customer":"cus_4QFOF3xrmUg4nD","description":"2 x espresso beans, 1 kg","note":null,"receipt_email":"ada@example.com","shipping":{"name":"Ada Lovelace","address":{"line1":"12 St James's Square","city":"London","postal_code":"SW1Y 4JH","country":"GB"}},"metadata":{"order_ref":"A-1042"}}`)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/v1/orders", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if _, vs := spec.ValidateRequest(r); len(vs) > 0 {
			b.Fatal(vs)
		}
	}
}
