package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/cassettes"
)

func init() { register(newCassetteCmd) }

func newCassetteCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "cassette",
		Short: "Scan cassettes for secrets, and convert them to and from HAR",
	}
	c.AddCommand(newCassetteScanCmd(), newCassetteImportCmd(), newCassetteExportCmd())
	return c
}

func newCassetteScanCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "scan FILE...",
		Short: "Find secrets in cassettes (exit 1 if any)",
		Long: `Scan cassettes for secrets that must not be committed: known key formats
(sk_live_, AKIA, ghp_, xox, JWTs, bearer tokens) and high-entropy values in
sensitive fields. Each finding is printed with file:line and the value masked.`,
		Example: `  faultline cassette scan testdata/cassettes/*.yaml`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return scanCassettes(c.OutOrStdout(), args)
		},
	}
}

func scanCassettes(w io.Writer, files []string) error {
	total := 0
	for _, f := range files {
		findings, err := cassettes.Scan(f)
		if err != nil {
			return cassetteErr(err)
		}
		for _, fd := range findings {
			fmt.Fprintln(w, fd.String())
		}
		total += len(findings)
	}
	if total > 0 {
		return failedErr(fmt.Sprintf("%d secrets found in %d files: redact them (re-record, or edit and re-run scan)", total, len(files)))
	}
	fmt.Fprintf(w, "no secrets found in %d files\n", len(files))
	return nil
}

func newCassetteImportCmd() *cobra.Command {
	var in, out string
	c := &cobra.Command{
		Use:     "import --har IN --out FILE",
		Short:   "Make a cassette from a HAR file (redacted)",
		Example: `  faultline cassette import --har session.har --out api.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if in == "" || out == "" {
				return usageErr(errors.New("--har and --out are required"))
			}
			f, err := os.Open(in)
			if err != nil {
				return usageErr(err)
			}
			defer f.Close()
			cas, err := cassettes.ImportHAR(f, nil)
			if err != nil {
				return usageErr(fmt.Errorf("%s: %w", in, err))
			}
			if err := cas.Save(out); err != nil {
				return internalErr(err)
			}
			fmt.Fprintf(c.OutOrStdout(), "wrote %s: %d interactions\n", out, len(cas.Interactions))
			return nil
		},
	}
	c.Flags().StringVar(&in, "har", "", "HAR file to read")
	c.Flags().StringVar(&out, "out", "", "cassette file to write")
	return c
}

func newCassetteExportCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:     "export --har OUT FILE",
		Short:   "Write a cassette as a HAR 1.2 file",
		Example: `  faultline cassette export --har api.har api.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return usageErr(errors.New("--har is required"))
			}
			cas, err := cassettes.Load(args[0])
			if err != nil {
				return cassetteErr(err)
			}
			f, err := os.Create(out)
			if err != nil {
				return usageErr(err)
			}
			if err := cassettes.ExportHAR(f, cas); err != nil {
				f.Close()
				return internalErr(err)
			}
			return f.Close()
		},
	}
	c.Flags().StringVar(&out, "har", "", "HAR file to write")
	return c
}
