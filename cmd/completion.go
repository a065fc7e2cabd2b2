package cmd

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/internal/webhooksig"
	"github.com/faultline-dev/faultline/scenarios"
)

// flagValues are the values shell completion offers for a flag, by flag
// name, on whichever command has it. A flag listed in listFlags takes a
// comma-separated list, and completion offers the next item.
var flagValues = map[string]func() []string{
	"tags":       func() []string { return scenarios.Tags },
	"scheme":     webhooksig.Names,
	"mode":       func() []string { return []string{"once", "new-episodes", "all"} },
	"latency":    func() []string { return []string{"none", "recorded", "0.5", "2"} },
	"log-format": func() []string { return []string{"text", "json"} },
}

var listFlags = map[string]bool{"tags": true}

// registerCompletions walks the command tree and registers value
// completion for every flag named in flagValues.
func registerCompletions(c *cobra.Command) {
	for name, values := range flagValues {
		if c.Flags().Lookup(name) != nil {
			_ = c.RegisterFlagCompletionFunc(name, completeValues(values, listFlags[name]))
		}
	}
	for _, sub := range c.Commands() {
		registerCompletions(sub)
	}
}

func completeValues(values func() []string, list bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
		prefix := ""
		if i := strings.LastIndex(typed, ","); list && i >= 0 {
			prefix, typed = typed[:i+1], typed[i+1:]
		}
		var out []string
		for _, v := range values() {
			if strings.HasPrefix(v, typed) && !strings.Contains(","+prefix, ","+v+",") {
				out = append(out, prefix+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
