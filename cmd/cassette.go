package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/cassettes"
)

func init() { register(newCassetteCmd) }

func newCassetteCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "cassette",
		Short: "Scan cassettes for secrets, verify them against an OpenAPI spec, and convert them to and from HAR",
	}
	c.AddCommand(newCassetteScanCmd(), newCassetteImportCmd(), newCassetteExportCmd(), newCassetteVerifyCmd())
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
			return scanCassettes(c.OutOrStdout(), globbed(args))
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
		return failedErr(plural(total, "secret") + " found in " + plural(len(files), "file") + ": redact them (re-record, or edit and re-run scan)")
	}
	fmt.Fprintf(w, "no secrets found in %s\n", plural(len(files), "file"))
	return nil
}

type importOptions struct {
	in, out string
	force   bool
}

func newCassetteImportCmd() *cobra.Command {
	o := &importOptions{}
	c := &cobra.Command{
		Use:   "import --har IN --out FILE",
		Short: "Make a cassette from a HAR file (redacted)",
		Long: `Convert a HAR 1.2 file (browsers' developer tools, Charles, mitmproxy,
Insomnia, Polly.JS) into a cassette, with secrets redacted before it is
written. Entries the browser got no answer for (status 0) are skipped and
listed. The upstream's base URL is kept for drift when every entry went to
one origin. An existing --out file is not replaced without --force.`,
		Example: `  faultline cassette import --har session.har --out api.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return importHAR(c.OutOrStdout(), o)
		},
	}
	c.Flags().StringVar(&o.in, "har", "", "HAR file to read")
	c.Flags().StringVar(&o.out, "out", "", "cassette file to write")
	c.Flags().BoolVar(&o.force, "force", false, "replace --out if it exists")
	requireFlags(c, "har", "out")
	return c
}

func importHAR(w io.Writer, o *importOptions) error {
	cas, notes, err := cassettes.ImportHARFile(o.in, o.out, o.force)
	switch {
	case errors.Is(err, fs.ErrExist):
		return usageErr(fmt.Errorf("%s exists: choose another --out, or add --force to replace it", o.out))
	case err != nil:
		return cassetteErr(err)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "%s: %s\n", o.in, n)
	}
	fmt.Fprintf(w, "wrote %s: %s\n", o.out, plural(len(cas.Interactions), "interaction"))
	return nil
}

func newCassetteExportCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "export --har OUT FILE",
		Short: "Write a cassette as a HAR 1.2 file",
		Long: `Write a cassette as HAR 1.2 for browsers' developer tools and HAR viewers.
Binary bodies are base64; importing the file again gives the same cassette.
The file is written atomically (a temporary file renamed over OUT).`,
		Example: `  faultline cassette export --har api.har api.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return cassetteErr(cassettes.ExportHARFile(args[0], out))
		},
	}
	c.Flags().StringVar(&out, "har", "", "HAR file to write")
	requireFlags(c, "har")
	return c
}
