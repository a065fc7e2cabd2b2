package verdict

import (
	"bytes"
	"errors"
	"testing"
)

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		ok   bool
		err  error
		want int
	}{{true, nil, 0}, {false, nil, 1}, {false, errors.New("no port"), 2}, {true, errors.New("no port"), 2}} {
		if got := ExitCode(c.ok, c.err); got != c.want {
			t.Errorf("ExitCode(%v, %v) = %d, want %d", c.ok, c.err, got, c.want)
		}
	}
}

func TestPrint(t *testing.T) {
	var out bytes.Buffer
	if Print(&out, true, "ratio %.2fx", 0.97) != true || Print(&out, false, "ratio %.2fx", 0.91) != false {
		t.Fatal("Print does not return its verdict")
	}
	if want := "PASS  ratio 0.97x\nFAIL  ratio 0.91x\n"; out.String() != want {
		t.Fatalf("printed %q, want %q", out.String(), want)
	}
}
