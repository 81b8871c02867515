// Command credo assigns per-token credit to RL rollouts of language models
// with any of its methods, checks itself against reference vectors, and
// lists what it knows.
//
//	credo methods [--format json]
//	credo assign --method NAME [--set key=value ...] --in FILE --out FILE [--in-format F] [--out-format F] [--quiet]
//	credo validate FILE [--in-format F] [--quiet]
//	credo convert IN OUT [--in-format F] [--out-format F] [--quiet]
//	credo conformance DIR
//	credo lab list | run NAME... [--seeds K] [--quick]
//	credo allocate --state FILE (--budget N --min A --max B | --curriculum adcl --batches K)
//	credo inspect FILE [FILE2] [--method NAME --set key=value ...] [--tokenizer tokenizer.json]
//	credo probe rollouts|plan|run|expand --endpoint URL ...
//	credo judge --recipe NAME --endpoint URL --in FILE --out FILE
//
// Files are .jsonl or .parquet, optionally .gz or .zst; "-" is stdin or
// stdout (JSONL unless --in-format/--out-format says otherwise).
//
// Exit codes: 0 success, 1 failure (a failing conformance case, an internal
// error), 2 bad input or usage.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/credit/stream"
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
	root.AddCommand(newAssign(), newMethods(), newValidate(), newConvert(), newConformance(), newLab(), newAllocate(), newServe(), newInspect(), newProbe(), newJudge())
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
