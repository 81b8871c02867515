package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/format"
)

func newValidate() *cobra.Command {
	var (
		inFormat string
		quiet    bool
	)
	c := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a rollout file against the format",
		Long: `validate reads every record of a JSONL or Parquet rollout file once and checks
it: field types, per-token arrays of the right length, finite numbers, step
spans, unique trajectory ids and parent links (known, within the parent's
length, without cycles). The first problem is reported with the file, the line
(JSONL) or row (Parquet), the field and what was expected, as for convert and
assign; the exit code is then 2. On success it prints one line on stdout
(none with --quiet).

` + ioHelp,
		Example: `  credo validate examples/gigpo.jsonl
  zstdcat rollouts.jsonl.zst | credo validate -`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fileGC()
			in := args[0]
			if err := checkInput(in, inFormat); err != nil {
				return err
			}
			pass, done := passBars(cmd.ErrOrStderr(), progressOn(cmd, quiet), in)
			defer done()
			o := format.Options{Format: inFormat}
			if pass != nil {
				o.Progress = pass(1, 1)
			}
			r, err := format.OpenWith(in, o)
			if err != nil {
				return inputErr(err)
			}
			defer r.Close()
			name := format.DisplayName(in, false)
			links := format.NewLinks(name)
			for {
				t, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					return inputErr(err)
				}
				if err := links.Add(t, r.Pos()); err != nil {
					return inputErr(err)
				}
			}
			if err := links.Check(); err != nil {
				return inputErr(err)
			}
			done()
			if !quiet {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok, %d trajectories in %d groups, %d tokens\n", name, links.Trajectories(), links.Groups(), links.Tokens)
			}
			return nil
		},
	}
	c.Flags().StringVar(&inFormat, "in-format", "", "format of FILE when its name does not say (\"-\" is jsonl): jsonl or parquet, optionally .gz or .zst")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing on success and draw no progress bar")
	return c
}
