// Command strict is a deliberately brittle API client for faultline's
// bundled shop spec (scenarios/library/specs/shop.yaml), kept so tests can
// show that the contract-* library scenarios catch an integration that
// breaks when a provider evolves its API within the contract's spirit. It
// behaves like an SDK generated once and decoded strictly: an order with a
// field it does not know, a status outside the enum it was generated with,
// a null note or no legacy_ref (a deprecated field it still reads) is an
// error. It follows the external-client contract (FAULTLINE_URL,
// FAULTLINE_CALLS), with a 5 s timeout and no retries.
//
// With -stringify it also sends every number of a JSON request body as a
// string ("amount": "1200"), a request the contract refuses: the
// requests_conform check must catch it.
//
// Do not copy it: it is the example of what not to do.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/internal/testclients/contract"
)

var client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: contract.TLSConfig()}}

// What the SDK was generated with.
var (
	orderFields    = []string{"id", "amount", "currency", "status", "note", "legacy_ref", "customer"}
	customerFields = []string{"id", "email"}
	statuses       = []string{"pending", "paid", "refunded"}
)

func main() {
	stringify := flag.Bool("stringify", false, "send the numbers of JSON request bodies as strings")
	flag.Parse()
	contract.Main("strict", func(base string, c contract.Call) error {
		if *stringify {
			c.Body = stringifyNumbers(c.Body)
		}
		return call(base, c)
	})
}

func call(base string, c contract.Call) error {
	body, err := contract.Send(client, base, c)
	if err != nil {
		return err
	}
	if strings.HasPrefix(c.Path, "/v1/orders") && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) && !bytes.Contains(body, []byte(`"data"`)) {
		return decodeOrder(body)
	}
	return nil
}

// decodeOrder refuses what the generated SDK does not know.
func decodeOrder(body []byte) error {
	var order map[string]json.RawMessage
	if err := json.Unmarshal(body, &order); err != nil {
		return fmt.Errorf("decoding the order: %w", err)
	}
	if err := known(order, orderFields, ""); err != nil {
		return err
	}
	var customer map[string]json.RawMessage
	if err := json.Unmarshal(order["customer"], &customer); err != nil {
		return fmt.Errorf("decoding the order: customer: %w", err)
	}
	if err := known(customer, customerFields, "customer."); err != nil {
		return err
	}
	var status string
	if err := json.Unmarshal(order["status"], &status); err != nil || !slices.Contains(statuses, status) {
		return fmt.Errorf("decoding the order: status %s is not one of %v", order["status"], statuses)
	}
	if n, ok := order["note"]; ok && string(n) == "null" {
		return fmt.Errorf("decoding the order: note: cannot be null")
	}
	if _, ok := order["legacy_ref"]; !ok {
		return fmt.Errorf("decoding the order: legacy_ref is missing")
	}
	return nil
}

// known refuses a field the SDK was not generated with.
func known(obj map[string]json.RawMessage, fields []string, prefix string) error {
	for k := range obj {
		if !slices.Contains(fields, k) {
			return fmt.Errorf("decoding the order: unknown field %s%s", prefix, k)
		}
	}
	return nil
}

// stringifyNumbers re-encodes a JSON object with its numbers as strings.
func stringifyNumbers(body string) string {
	var doc map[string]any
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return body
	}
	for k, v := range doc {
		if n, ok := v.(json.Number); ok {
			doc[k] = n.String()
		}
	}
	out, _ := json.Marshal(doc)
	return string(out)
}
