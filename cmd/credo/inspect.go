package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/inspect"
)

// inspectContext is the parent of the server's lifetime (tests cancel it).
var inspectContext = context.Background

func newInspect() *cobra.Command {
	var (
		addr, tokenizer, method, leftMethod, reward, truth, inFormat string
		sets, leftSets                                               []string
		scale                                                        float64
	)
	c := &cobra.Command{
		Use:   "inspect FILE [FILE2]",
		Short: "Look at credit token by token in the browser",
		Long: `inspect serves a page showing a rollout file's groups, trajectories and tokens,
each token coloured by its advantage on a diverging scale, with steps, turns,
GiGPO anchor groups, strata (features) and trees (parent links) drawn as such.
Hovering a token shows its numbers (mask, log-probs, value, token reward, credit,
returns, the exact advantage A^π when records carry token_scores.true_advantage).

With FILE2 (matched by traj_uid) or --method (credit computed on FILE's records)
the page shows two sides and their difference. --left-method replaces FILE's own
advantages on the left, so that two methods can be compared on one file.

Token text comes from a token_text field (a list of strings, one per token),
else from a Hugging Face tokenizer.json given with --tokenizer, else the ids.
The server indexes the file (plain JSONL stays on disk and is read back by
offset; other formats are held in memory) and the page fetches one page of
groups at a time. It listens on loopback unless --addr says otherwise; there is
no authentication.`,
		Example: `  credo inspect examples/gigpo.jsonl
  credo inspect a.jsonl b.jsonl --tokenizer tokenizer.json
  credo inspect examples/grpo.jsonl --method verl.grpo --set norm_adv_by_std_in_grpo=false`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageError{fmt.Errorf("%s takes FILE [FILE2], got %d argument(s) (see --help)", c.CommandPath(), len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o := inspect.Options{File: args[0], InFormat: inFormat, Reward: reward, Truth: truth, Scale: scale}
			if len(args) == 2 {
				o.File2 = args[1]
			}
			if len(sets) > 0 && method == "" {
				return usageError{errors.New("--set needs --method")}
			}
			if len(leftSets) > 0 && leftMethod == "" {
				return usageError{errors.New("--left-set needs --left-method")}
			}
			if method != "" {
				if o.File2 != "" {
					return usageError{errors.New("the right side is either FILE2 or --method, not both")}
				}
				o.Right = &inspect.MethodSpec{Name: method, Sets: sets}
			}
			if leftMethod != "" {
				o.Left = &inspect.MethodSpec{Name: leftMethod, Sets: leftSets}
			}
			if scale < 0 {
				return usageError{errors.New("--scale must be positive (0 = automatic)")}
			}
			if tokenizer != "" {
				t, err := inspect.LoadTokenizer(tokenizer)
				if err != nil {
					return usageError{err}
				}
				o.Tokenizer = t
			}
			in, err := inspect.Open(o)
			if err != nil {
				return usageError{err}
			}
			defer in.Close()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageError{err}
			}
			srv := &http.Server{Handler: in.Handler(), ReadHeaderTimeout: 10 * time.Second}
			ctx, stop := signal.NotifyContext(inspectContext(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() {
				<-ctx.Done()
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				srv.Shutdown(sctx)
			}()
			fmt.Fprintf(cmd.ErrOrStderr(), "credo inspect: %d groups, %d trajectories, colour scale ±%.4g\n", in.Groups(), in.Trajectories(), in.Scale())
			if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
				fmt.Fprintf(cmd.ErrOrStderr(), "credo inspect: listening on %s, not loopback: anyone who can reach it can read the file\n", host)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "http://%s/\n", ln.Addr())
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8741", "listen address (port 0 picks a free one)")
	f.StringVar(&tokenizer, "tokenizer", "", "Hugging Face tokenizer.json to decode token ids")
	f.StringVar(&method, "method", "", "compute this method's credit on FILE for the right side")
	f.StringArrayVar(&sets, "set", nil, "key=value setting of --method (repeatable)")
	f.StringVar(&leftMethod, "left-method", "", "compute this method's credit on FILE for the left side (instead of its advantages)")
	f.StringArrayVar(&leftSets, "left-set", nil, "key=value setting of --left-method (repeatable)")
	f.StringVar(&reward, "reward", "outcome", "reward channel shown, sorted and filtered by")
	f.StringVar(&truth, "truth", inspect.TruthScore, "token_scores key holding the exact advantage A^π")
	f.Float64Var(&scale, "scale", 0, "|credit| at which colours saturate (0 = 95th percentile of the trajectories' largest |credit|)")
	f.StringVar(&inFormat, "in-format", "", "input format when the name does not say (jsonl, parquet, jsonl.gz, ...)")
	return c
}
