package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/internal/stream"
)

// usageError marks command-line misuse (exit 2).
type usageError struct{ error }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "credo:", err)
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, stream.ErrInput) {
		return 2
	}
	return 1
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "credo",
		Short: "Credit assignment for RL of language models and agents",
		Long: `credo turns outcome and process signals of RL rollouts into per-token credit,
with the methods of verl, verl-agent (GiGPO), OpenRLHF, PURE, SPO, TreeRL, IGPO,
SPIRAL and more, each reproduced to float tolerance.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(newAssign(), newMethods(), newValidate(), newConvert(), newConformance(), newLab(), newAllocate())
	return root
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %d argument(s), got %d (see --help)", c.CommandPath(), n, len(args))}
		}
		return nil
	}
}
