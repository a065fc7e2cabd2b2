package scenarios

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/faultline-dev/faultline/fault"
)

// A scenario that cannot start (here its cassette vanished after loading)
// stops the reference receiver it already started: no goroutine outlives
// RunOne.
func TestRunOneStopsReceiverWhenItCannotStart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sc := &Scenario{
		Name: "cassette-gone",
		File: filepath.Join(t.TempDir(), "s.yaml"),
		Plan: &fault.Plan{}, Cassette: "gone.yaml",
		Client: Client{Receiver: &Receiver{Scheme: "stripe", Secret: "whsec_x"}},
	}
	res, err := RunOne(context.Background(), sc, Options{Seed: 1})
	if !errors.Is(err, ErrCannotRun) || res.Error == "" {
		t.Fatalf("err = %v, res.Error = %q; want ErrCannotRun naming the cassette", err, res.Error)
	}
}
