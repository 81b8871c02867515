package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/credit/stream"
	"github.com/credo-rl/credo/format"
)

func newAssign() *cobra.Command {
	var (
		method  string
		sets    []string
		in, out string
		quiet   bool
		state   string
		inFmt   string
		outFmt  string
		auto    autoFlags
	)
	c := &cobra.Command{
		Use:   "assign --method NAME [--set key=value ...] --in FILE --out FILE",
		Short: "Write per-token advantages (and returns) into rollout records",
		Long: `assign reads rollouts (JSONL or Parquet, by extension), runs one credit method
and writes the records back, unchanged except for "advantages" and, where the
method defines them, "returns". The output file appears only if everything
succeeded; the input is never modified.

Group-local methods are streamed group by group: memory is bounded by the
largest group, not by the file (docs/format.md, "Memory", says what each
method scope costs). Stateful methods advance their --state once per call,
and the output and the state file are replaced together.

` + ioHelp,
		Example: `  credo assign --method verl.grpo --in examples/grpo.jsonl --out /tmp/grpo-credit.jsonl
  credo assign --method verl.grpo --set norm_adv_by_std_in_grpo=false --in in.parquet --out out.parquet
  credo assign --method openrlhf.gae --set gamma=0.99 --set lambd=0.95 --in ppo.jsonl --out ppo-credit.jsonl`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			fileGC()
			if method == "" || in == "" || out == "" {
				return usageError{errors.New("assign needs --method, --in and --out (see credo assign --help)")}
			}
			m, err := credit.Lookup(method)
			if err != nil {
				return usageError{err}
			}
			if m.GoAPI != "" {
				return usageError{fmt.Errorf("%s assigns no credit: use the Go function %s", m.Name, m.GoAPI)}
			}
			v, err := m.Parse(sets)
			if err != nil {
				return usageError{err}
			}
			for _, d := range m.Deprecations(sets) {
				fmt.Fprintln(cmd.ErrOrStderr(), "credo: warning:", d)
			}
			if err := checkInput(in, inFmt); err != nil {
				return err
			}
			if err := checkOutput(out, outFmt); err != nil {
				return err
			}
			if state != "" {
				if err := checkDir(state); err != nil {
					return err
				}
			}
			var ms *credit.State
			if state != "" {
				if ms, err = credit.LoadState(state); err != nil {
					return usageError{err}
				}
			} else if m.Stateful && !quiet {
				fmt.Fprintf(cmd.ErrOrStderr(), "credo: %s carries state across batches; without --state it starts fresh and its state is discarded\n", m.Name)
			}
			staged, cleanup, err := auto.autoStage(cmd, m, v, in, inFmt, out, quiet)
			if err != nil {
				return err
			}
			defer cleanup()
			if staged != in {
				in, inFmt = staged, "jsonl"
			}
			start := time.Now()
			// The output and the state file are committed together.
			pass, done := passBars(cmd.ErrOrStderr(), progressOn(cmd, quiet), in)
			st, err := stream.Run(stream.Job{Method: m, Values: v, State: ms, StatePath: state, In: in, Out: out,
				InFormat: inFmt, OutFormat: outFmt, Pass: pass})
			done()
			if err != nil {
				return err
			}
			if !quiet {
				fmt.Fprintf(cmd.ErrOrStderr(), "credo: %s: %d trajectories in %d groups, %d tokens -> %s (%s)\n",
					m.Name, st.Trajectories, st.Groups, st.Tokens, format.DisplayName(out, true), time.Since(start).Round(time.Millisecond))
			}
			return nil
		},
	}
	c.Flags().StringVar(&method, "method", "", "credit method (see credo methods)")
	c.Flags().StringArrayVar(&sets, "set", nil, "parameter as key=value (repeatable)")
	c.Flags().StringVar(&in, "in", "", "input rollouts (.jsonl or .parquet, optionally .gz or .zst; - for stdin)")
	c.Flags().StringVar(&out, "out", "", "output file (.jsonl or .parquet, optionally .gz or .zst; - for stdout)")
	c.Flags().StringVar(&inFmt, "in-format", "", "format of --in when its name does not say (\"-\" is jsonl): jsonl or parquet, optionally .gz or .zst")
	c.Flags().StringVar(&outFmt, "out-format", "", "format of --out when its name does not say (\"-\" is jsonl)")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing on success and draw no progress bar")
	auto.add(c) // --endpoint etc.: run the judge/probe stage first when inputs are missing (assign_auto.go)
	c.Flags().StringVar(&state, "state", "", "JSON file holding the state of stateful methods across batches (read if it exists, then updated)")
	return c
}
