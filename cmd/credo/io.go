package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/internal/atomicfile"
	"github.com/credo-rl/credo/internal/progress"
)

// ioHelp is the paragraph on files shared by assign, convert and validate.
const ioHelp = `Files: .jsonl or .parquet, optionally compressed as a whole with gzip (.gz) or
Zstandard (.zst): x.jsonl.gz, x.parquet.zst. "-" is standard input or output,
JSONL unless --in-format/--out-format says otherwise (jsonl, parquet, jsonl.gz,
jsonl.zst, ...); compressed input is recognised from its first bytes. Parquet
arriving through a pipe or compressed is copied to a scratch file in $TMPDIR
first, as Parquet is read by random access. A missing or unwritable output
directory is refused (exit 2) before any work.

A progress bar (bytes, records, rate, time left) is drawn on stderr when
stderr is a terminal; --quiet turns it off.`

// progressOn reports whether to draw progress bars on the command's
// stderr: only when it is a terminal and not --quiet.
func progressOn(cmd *cobra.Command, quiet bool) bool {
	f, ok := cmd.ErrOrStderr().(*os.File)
	return ok && progress.Enabled(f, quiet)
}

// passBars gives stream.Options.Pass: one bar per pass over in, labelled
// with the pass when there are several. done erases the last bar.
func passBars(w io.Writer, on bool, in string) (pass func(int, int) func(int64, int), done func()) {
	var bar *progress.Bar
	done = func() { bar.Finish() }
	if !on {
		return nil, done
	}
	pass = func(p, n int) func(int64, int) {
		bar.Finish()
		label := format.DisplayName(in, false)
		switch {
		case n > 1:
			label = fmt.Sprintf("%s (pass %d/%d)", label, p, n)
		case n == 0 && p > 1:
			label = fmt.Sprintf("%s (pass %d)", label, p)
		}
		bar = progress.New(w, label, format.Size(in))
		return bar.Update
	}
	return pass, done
}

// checkOutput refuses, as a usage error, an output that cannot be created:
// an unknown format, or a directory that is missing or not writable.
func checkOutput(path, formatFlag string) error {
	spec, err := format.SpecOf(path, formatFlag)
	if err != nil {
		return usageError{err}
	}
	if path == format.Stdio {
		if (spec.Kind != format.JSONL || spec.Compression != format.None) && term.IsTerminal(int(os.Stdout.Fd())) {
			return usageError{fmt.Errorf("will not write %s to a terminal: redirect standard output to a file or a pipe", spec)}
		}
		return nil
	}
	return checkDir(path)
}

// checkDir refuses, as a usage error, a path whose directory is missing or
// not writable; then it removes the temporary files of path left by killed
// runs.
func checkDir(path string) error {
	if err := atomicfile.CheckDir(path); err != nil {
		var de *atomicfile.DirError
		if errors.As(err, &de) {
			return usageError{err}
		}
		return err
	}
	atomicfile.RemoveStale(path)
	return nil
}

// checkInput refuses an unknown input format as a usage error.
func checkInput(path, formatFlag string) error {
	if _, err := format.SpecOf(path, formatFlag); err != nil {
		return usageError{err}
	}
	return nil
}
