package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/internal/atomicfile"
	"github.com/credo-rl/credo/internal/stream"
)

func newConvert() *cobra.Command {
	return &cobra.Command{
		Use:   "convert IN OUT",
		Short: "Convert rollouts between JSONL and Parquet",
		Long: `convert validates IN and writes its records to OUT, in the format of OUT's
extension (.jsonl or .parquet). Every field, including unknown ones, is kept.
OUT appears only if everything succeeded.`,
		Example: "  credo convert examples/grpo.jsonl /tmp/grpo.parquet",
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, out := args[0], args[1]
			if _, st, err := stream.Scan(in); err != nil {
				return err
			} else if _, err := format.KindOf(out); err != nil {
				return usageError{err}
			} else {
				defer fmt.Fprintf(cmd.ErrOrStderr(), "credo: %d trajectories -> %s\n", st.Trajectories, out)
			}
			if err := stream.CheckNotSame(in, out); err != nil {
				return err
			}
			r, err := format.Open(in)
			if err != nil {
				return err
			}
			defer r.Close()
			f, err := atomicfile.Create(out)
			if err != nil {
				return err
			}
			defer f.Abort()
			w, err := format.NewWriter(f, out)
			if err != nil {
				return err
			}
			for {
				t, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					return err
				}
				if err := w.Write(t); err != nil {
					return err
				}
			}
			if err := w.Close(); err != nil {
				return err
			}
			return f.Commit()
		},
	}
}
