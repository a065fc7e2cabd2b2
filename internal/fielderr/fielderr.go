// Package fielderr is an error about one option a library was given, named
// the way the library's Go API names it (Options.Target, Selection.Only), so
// that a Go caller reads its own terms and a command can name its flag
// instead. Libraries speak no flags: faultline's cmd package renames the
// field when it wraps the error.
//
//	err := &fielderr.Error{Kind: ErrOptions, Field: "Target", Value: `"/hook"`, Problem: "give an absolute http:// or https:// URL"}
//	err.Error()              // invalid webhook campaign options: Target "/hook": give an absolute ...
//	err.Renamed("--target")  // invalid webhook campaign options: --target "/hook": give an absolute ...
package fielderr

import (
	"errors"
	"fmt"
)

// Error is a bad value in one field.
type Error struct {
	Kind    error  // the sentinel callers branch on (errors.Is), printed first
	Field   string // the field as the Go API names it, e.g. "Target"
	Value   string // the value as it should be shown, e.g. `"/hook"`; may be empty
	Problem string // what is wrong and what to do, e.g. "give an absolute URL"
}

func (e *Error) Error() string {
	name := e.Field
	if e.Value != "" {
		name += " " + e.Value
	}
	return fmt.Sprintf("%v: %s: %s", e.Kind, name, e.Problem)
}

// Unwrap is Kind, so errors.Is(err, Kind) holds.
func (e *Error) Unwrap() error { return e.Kind }

// Renamed is the same error with the field called name (a flag, in a command).
func (e *Error) Renamed(name string) *Error {
	r := *e
	r.Field = name
	return &r
}

// Rename renames the field of the *Error in err's chain when names maps it
// (Go name → the caller's name); other errors come back as they are.
func Rename(err error, names map[string]string) error {
	var fe *Error
	if !errors.As(err, &fe) {
		return err
	}
	if name, ok := names[fe.Field]; ok {
		return fe.Renamed(name)
	}
	return err
}
