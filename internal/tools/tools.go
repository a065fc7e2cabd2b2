//go:build tools

// Package tools pins the modules faultline's packages are designed around, so
// that `go mod tidy` keeps them while their first users are being written.
// It is never built.
package tools

import (
	_ "github.com/charmbracelet/lipgloss"
	_ "github.com/google/go-github/v89/github"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/sony/gobreaker/v2"
	_ "github.com/spf13/cobra"
	_ "github.com/standard-webhooks/standard-webhooks/libraries/go"
	_ "github.com/stretchr/testify/require"
	_ "github.com/stripe/stripe-go/v85/webhook"
	_ "go.uber.org/goleak"
	_ "golang.org/x/term"
	_ "golang.org/x/time/rate"
	_ "gopkg.in/dnaeon/go-vcr.v3/recorder"
	_ "gopkg.in/yaml.v3"
)
