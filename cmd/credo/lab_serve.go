package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/lmexp"
	"github.com/credo-rl/credo/lab/lmserve"
	"github.com/credo-rl/credo/lab/textenv"
)

func newLabServe() *cobra.Command {
	var (
		addr, modelPath, envName, save, name string
		seed                                 uint64
		full                                 bool
	)
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve a lab language model through an OpenAI-compatible API (completions, chat, tokenize)",
		Long: `serve exposes a lab transformer (lab/lm) at POST /v1/completions, POST
/v1/chat/completions, GET /v1/models and POST /tokenize: prompt (or messages)
in; text, token ids and log-probs out (n, max_tokens, temperature, seed,
logprobs, stop), plus vLLM's truncate_prompt_tokens and guided_regex /
guided_choice (the answer constrained to a grammar). Chat messages are rendered
as their contents, one per line (the model has no role tokens). The model is
read from --model (a file written by --save), or trained at start-up on --env (a
supervised warm start on generated demonstrations, then GRPO through credo's
engine; seconds at the default size). It listens on loopback unless --addr says
otherwise. See docs/models.md for probes and judges against it.`,
		Example: `  credo lab serve --env arithchain --save arith.json
  credo lab serve --model arith.json --addr 127.0.0.1:8000
  curl -s localhost:8000/v1/completions -d '{"prompt":"Let a = 5, b = 7. ...","max_tokens":40,"logprobs":1}'
  curl -s localhost:8000/v1/chat/completions -d '{"messages":[{"role":"user","content":"Is 2+2=4?"}],"guided_choice":["YES","NO"]}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			var m *lm.Model
			if modelPath != "" {
				f, err := os.Open(modelPath)
				if err != nil {
					return err
				}
				m, err = lm.Load(f)
				f.Close()
				if err != nil {
					return fmt.Errorf("%s: %w", modelPath, err)
				}
			} else {
				cfg := lmexp.QuickConfig()
				if full {
					cfg = lmexp.FullConfig()
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "training a %s model (seed %d)...\n", envName, seed)
				var res *lmexp.Result
				var err error
				if m, res, err = lmexp.Train(ctx, envName, seed, cfg); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "trained: %d parameters, reward %.3f after the warm start, %.3f after RL\n", res.Params, res.RewardSFT, res.RewardRL)
			}
			if save != "" {
				f, err := os.Create(save)
				if err != nil {
					return err
				}
				if err := m.Save(f); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: lmserve.New(name, m), ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(cmd.ErrOrStderr(), "serving %q on http://%s/v1 (completions, chat/completions, models; /tokenize)\n", name, ln.Addr())
			go func() {
				<-ctx.Done()
				sh, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(sh)
			}()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8000", "listen address (loopback by default)")
	f.StringVar(&modelPath, "model", "", "model file written by --save (default: train one on --env)")
	f.StringVar(&envName, "env", "arithchain", fmt.Sprintf("text environment to train on when no --model is given (%v)", textenv.Names()))
	f.Uint64Var(&seed, "seed", 1, "training seed")
	f.BoolVar(&full, "full", false, "train at the full lab size (a few hundred thousand parameters; minutes) instead of the quick one")
	f.StringVar(&save, "save", "", "write the model to this file")
	f.StringVar(&name, "name", "credo-lab-lm", "model name reported by the API")
	return c
}
