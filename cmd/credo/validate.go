package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/internal/stream"
)

func newValidate() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a rollout file against the format",
		Long: `validate reads every record of a JSONL or Parquet rollout file and checks it:
field types, per-token arrays of the right length, finite numbers, step spans,
unique trajectory ids and parent links. The first problem is reported with the
file, the record and the field; the exit code is then 2.`,
		Example: "  credo validate examples/grpo.jsonl",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, st, err := stream.Scan(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok, %d trajectories in %d groups, %d tokens\n", args[0], st.Trajectories, st.Groups, st.Tokens)
			return nil
		},
	}
}
