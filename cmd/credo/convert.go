package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/credit/stream"
	"github.com/credo-rl/credo/format"
)

func newConvert() *cobra.Command {
	var (
		inFormat, outFormat string
		quiet               bool
	)
	c := &cobra.Command{
		Use:   "convert IN OUT",
		Short: "Convert rollouts between JSONL and Parquet",
		Long: `convert validates IN and writes its records to OUT, in the format of OUT's
extension (.jsonl or .parquet). Every field, including unknown ones, is kept.
It reads IN once; OUT appears only if everything succeeded (to standard output,
records are written as they are read, and an error is reported by the exit
code 2 after them). Errors name the file, the line (JSONL) or row (Parquet),
the field and what was expected, as for validate and assign.

` + ioHelp,
		Example: `  credo convert examples/grpo.jsonl /tmp/grpo.parquet
  credo convert examples/grpo.jsonl /tmp/grpo.jsonl.zst
  zcat rollouts.jsonl.gz | credo convert - --out-format parquet - > rollouts.parquet`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			fileGC()
			in, out := args[0], args[1]
			if err := checkInput(in, inFormat); err != nil {
				return err
			}
			if err := checkOutput(out, outFormat); err != nil {
				return err
			}
			if err := stream.CheckNotSame(in, out); err != nil {
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
			w, err := format.CreateWith(out, format.Options{Format: outFormat})
			if err != nil {
				return err
			}
			defer w.Abort()
			links := format.NewLinks(format.DisplayName(in, false))
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
				if err := w.Write(t); err != nil {
					return err
				}
			}
			if err := links.Check(); err != nil {
				return inputErr(err)
			}
			if err := w.Commit(); err != nil {
				return err
			}
			done()
			if !quiet {
				fmt.Fprintf(cmd.ErrOrStderr(), "credo: %d trajectories -> %s\n", links.Trajectories(), format.DisplayName(out, true))
			}
			return nil
		},
	}
	c.Flags().StringVar(&inFormat, "in-format", "", "format of IN when its name does not say (\"-\" is jsonl): jsonl or parquet, optionally .gz or .zst")
	c.Flags().StringVar(&outFormat, "out-format", "", "format of OUT when its name does not say (\"-\" is jsonl)")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing on success and draw no progress bar")
	return c
}

// inputErr marks an error about the input (exit 2).
func inputErr(err error) error { return usageError{err} }
