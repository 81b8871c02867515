package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/judge"
	"github.com/credo-rl/credo/probe"
	"github.com/credo-rl/credo/rollout"
)

func newJudge() *cobra.Command {
	var (
		mf            modelFlags
		recipe        string
		in, out       string
		inFmt, outFmt string
		templates     string
		report        string
		votes, maxTok int
		temperature   float64
		seed          uint64
		lineSteps     bool
		list, quiet   bool
		guided        bool
		answerRegex   string
	)
	c := &cobra.Command{
		Use:   "judge --recipe NAME --in FILE --out FILE",
		Short: "Label rollouts with an LLM judge (or a built-in tool) for the methods that read judge verdicts",
		Long: `judge runs a recipe over every record through an OpenAI-compatible
/v1/chat/completions endpoint and writes exactly the fields the recipe's method
reads. Prompts are editable templates (--templates DIR overrides NAME.tmpl);
every answer is parsed strictly: if one cannot be parsed, nothing is written and
each failing record is reported with its id and the raw answer (--report FILE
also writes them as JSONL). Recipes: ` + strings.Join(judge.Names(), ", ") + ` (credo judge --list).`,
		Example: `  credo judge --recipe capo --endpoint http://127.0.0.1:8000/v1 --model judge --in rollouts.jsonl --out judged.jsonl
  credo assign --method capo --in judged.jsonl --out credit.jsonl
  credo judge --recipe calm --line-steps --guided --extra truncate_prompt_tokens=80 --max-tokens 40 --endpoint http://127.0.0.1:18731/v1 --in roll.jsonl --out calm.jsonl`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				for _, n := range judge.Names() {
					r := judge.Recipes[n]
					fmt.Fprintf(cmd.OutOrStdout(), "%-15s method %-20s writes %s\n%15s %s\n", n, r.Method, r.Writes, "", r.Provenance)
				}
				return nil
			}
			r, ok := judge.Recipes[recipe]
			if !ok {
				return usageError{fmt.Errorf("--recipe %q: want one of %s", recipe, strings.Join(judge.Names(), ", "))}
			}
			if in == "" || out == "" {
				return usageError{errors.New("judge needs --recipe, --in and --out")}
			}
			if answerRegex != "" {
				if _, err := regexp.Compile(answerRegex); err != nil {
					return usageError{fmt.Errorf("--answer-regex: %v", err)}
				}
			}
			b, err := readBatch(in, inFmt)
			if err != nil {
				return err
			}
			if err := checkOutput(out, outFmt); err != nil {
				return err
			}
			if lineSteps {
				if err := splitLines(b); err != nil {
					return err
				}
			}
			o := judge.Options{Temperature: temperature, MaxTokens: maxTok, Seed: seed, Votes: votes, Templates: templates,
				Guided: guided || answerRegex != "", AnswerRegex: answerRegex}
			if r.Method != "groundedprm.labels" {
				cl, extra, err := mf.client()
				if err != nil {
					return err
				}
				o.Client, o.Extra = cl, extra
				defer statsLine(cmd, quiet, cl)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			bar := newTaskBar(cmd, quiet, "judge "+r.Name+": calls")
			o.Progress = bar.update()
			err = judge.Run(ctx, b, r, o)
			bar.finish()
			if err != nil {
				var pe *judge.ParseError
				if report != "" && errors.As(err, &pe) {
					if werr := writeFailures(report, pe.Failures); werr != nil {
						return werr
					}
				}
				return err
			}
			if err := writeBatch(b, out, outFmt); err != nil {
				return err
			}
			if !quiet {
				fmt.Fprintf(cmd.ErrOrStderr(), "credo: judge %s: %d records -> %s (for credo assign --method %s)\n", r.Name, len(b.Trajectories), out, r.Method)
			}
			return nil
		},
	}
	mf.add(c)
	c.Flags().StringVar(&recipe, "recipe", "", "judge recipe (credo judge --list)")
	c.Flags().BoolVar(&list, "list", false, "list the recipes, the fields they write and their provenance")
	c.Flags().StringVar(&in, "in", "", "input rollouts")
	c.Flags().StringVar(&out, "out", "", "output rollouts")
	c.Flags().StringVar(&inFmt, "in-format", "", "format of --in when its name does not say")
	c.Flags().StringVar(&outFmt, "out-format", "", "format of --out when its name does not say")
	c.Flags().StringVar(&templates, "templates", "", "directory of NAME.tmpl files overriding the embedded prompts")
	c.Flags().StringVar(&report, "report", "", "write unparsable answers here as JSONL")
	c.Flags().IntVar(&votes, "votes", 0, "answers sampled per judge call (default: the recipe's; CAPO's m = 4)")
	c.Flags().IntVar(&maxTok, "max-tokens", 1024, "tokens per judge answer at most")
	c.Flags().Float64Var(&temperature, "temperature", 0.7, "judge sampling temperature")
	c.Flags().Uint64Var(&seed, "seed", 0, "run seed")
	c.Flags().BoolVar(&lineSteps, "line-steps", false, "make each line of the response a step (from token_text) where a record has no steps")
	c.Flags().BoolVar(&guided, "guided", false, "constrain each answer to the recipe's answer grammar (sent as vLLM's guided_regex; credo lab serve honours it)")
	c.Flags().StringVar(&answerRegex, "answer-regex", "", "with --guided: this grammar instead of the recipe's (Go regexp, the whole answer; e.g. for an edited lare.tmpl)")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing on success")
	return c
}

func splitLines(b *rollout.Batch) error {
	for _, t := range b.Trajectories {
		if len(t.Steps) == 0 && !t.Probe {
			if err := probe.LineSteps(t); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeFailures(path string, fs []judge.Failure) error {
	var sb strings.Builder
	for _, f := range fs {
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		sb.Write(b)
		sb.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}
