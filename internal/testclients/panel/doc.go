// Package panel holds faultline's panel of real HTTP clients: small
// programs that follow the external-client contract (docs/scenarios.md)
// with a library other people wrote and teams use, configured as its
// documentation says by default. scenarios/panel_test.go runs the built-in
// library against each and pins every failing check with a reason that
// follows from those defaults.
//
// The programs add only the contract's plumbing: they read
// FAULTLINE_CALLS, send an X-Request-Id per logical call, treat a status
// >= 400 or a body without the expected shape as a failed call
// (contract.Judge), and exit 1 naming what failed.
package panel
