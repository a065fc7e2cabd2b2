package cassettes

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"

	"github.com/faultline-dev/faultline/internal/atomicfile"
)

// ImportHARFile imports the HAR file in (see ImportHAR; redacted by the
// default rules) and saves the cassette at out. An existing out is kept
// unless replace is set: that error wraps fs.ErrExist. Errors reading in are
// those of os.Open or a *FormatError; an error saving out wraps nothing, so
// a caller can tell bad input (errors.Is ErrInvalidCassette, fs.ErrNotExist)
// from a failure to write.
func ImportHARFile(in, out string, replace bool) (*Cassette, []HARNote, error) {
	if !replace {
		if _, err := os.Stat(out); err == nil {
			return nil, nil, fmt.Errorf("%s: %w", out, fs.ErrExist)
		}
	}
	f, err := os.Open(in)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	cas, notes, err := ImportHAR(f, nil)
	if err != nil {
		return nil, nil, err // names the file already
	}
	if err := cas.Save(out); err != nil {
		return nil, nil, fmt.Errorf("%v", err)
	}
	return cas, notes, nil
}

// ExportHARFile writes the cassette file in as HAR 1.2 at out (see
// ExportHAR), atomically: a temporary file renamed over out. Errors reading
// in are Load's; an error writing out wraps nothing, as ImportHARFile's.
func ExportHARFile(in, out string) error {
	cas, err := Load(in)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := ExportHAR(&buf, cas); err != nil {
		return fmt.Errorf("%v", err)
	}
	if err := atomicfile.Write(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %v", out, err)
	}
	return nil
}
