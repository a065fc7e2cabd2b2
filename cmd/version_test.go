package cmd

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

// go install module@v1.2.3 records the version in the build info; a build
// from a checkout records "(devel)" (or nothing, under go test).
func TestModuleVersion(t *testing.T) {
	for in, want := range map[string]string{"v1.2.3": "v1.2.3", "v0.0.0-20260101000000-abcdef123456": "v0.0.0-20260101000000-abcdef123456", "(devel)": "dev", "": "dev"} {
		assert.Equal(t, want, moduleVersion(&debug.BuildInfo{Main: debug.Module{Version: in}}), in)
	}
	old := version
	t.Cleanup(func() { version = old })
	version = "v9.9.9"
	assert.Equal(t, "v9.9.9", Version(), "a version stamped with -ldflags wins")
}
