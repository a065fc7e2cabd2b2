package fielderr

import (
	"errors"
	"fmt"
	"testing"
)

var errKind = errors.New("invalid options")

func TestRename(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &Error{Kind: errKind, Field: "Target", Value: `"/hook"`, Problem: "give an absolute URL"})
	if got, want := err.Error(), `wrapped: invalid options: Target "/hook": give an absolute URL`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	named := Rename(err, map[string]string{"Target": "--target"})
	if got, want := named.Error(), `invalid options: --target "/hook": give an absolute URL`; got != want {
		t.Errorf("renamed = %q, want %q", got, want)
	}
	if !errors.Is(named, errKind) {
		t.Error("renamed error lost its kind")
	}
	if got := Rename(err, map[string]string{"Other": "--other"}); got != err {
		t.Errorf("a field not in the map was renamed: %v", got)
	}
	plain := errors.New("plain")
	if Rename(plain, map[string]string{"Target": "--target"}) != plain {
		t.Error("a plain error was changed")
	}
	noValue := &Error{Kind: errKind, Field: "Secret", Problem: "set it"}
	if got, want := noValue.Error(), "invalid options: Secret: set it"; got != want {
		t.Errorf("no value: %q, want %q", got, want)
	}
}
