package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/internal/atomicfile"
	"github.com/credo-rl/credo/model"
	"github.com/credo-rl/credo/probe"
	"github.com/credo-rl/credo/rollout"
)

// modelFlags are the flags of every command that talks to a model server.
type modelFlags struct {
	endpoint, name, key, cache string
	concurrency, retries       int
	timeout                    time.Duration
	extras                     []string
}

func (f *modelFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.endpoint, "endpoint", "", "OpenAI-compatible API root, e.g. http://127.0.0.1:8000/v1 (default $OPENAI_BASE_URL)")
	c.Flags().StringVar(&f.name, "model", "", "model name sent with each request")
	c.Flags().StringVar(&f.key, "api-key", "", "API key (default $OPENAI_API_KEY)")
	c.Flags().StringVar(&f.cache, "cache", "", "directory of the on-disk response cache (a rerun costs nothing and gives the same result)")
	c.Flags().IntVar(&f.concurrency, "concurrency", 8, "requests in flight at most")
	c.Flags().IntVar(&f.retries, "retries", 5, "retries of a request after 429, 5xx, timeouts and malformed answers")
	c.Flags().DurationVar(&f.timeout, "timeout", 120*time.Second, "time limit of one request")
	c.Flags().StringArrayVar(&f.extras, "extra", nil, "extra request field as key=JSON, e.g. return_tokens_as_token_ids=true for vLLM (repeatable)")
}

func (f *modelFlags) client() (*model.Client, map[string]any, error) {
	c, err := model.New(model.Config{BaseURL: f.endpoint, Model: f.name, APIKey: f.key, CacheDir: f.cache,
		Concurrency: f.concurrency, Retries: max(f.retries, -1), Timeout: f.timeout})
	if err != nil {
		return nil, nil, usageError{err}
	}
	extra := map[string]any{}
	for _, e := range f.extras {
		k, v, ok := strings.Cut(e, "=")
		var x any
		if !ok || json.Unmarshal([]byte(v), &x) != nil {
			return nil, nil, usageError{fmt.Errorf("--extra %q: want key=JSON", e)}
		}
		extra[k] = x
	}
	return c, extra, nil
}

// sampleFlags configure sampling and scoring.
type sampleFlags struct {
	maxTokens, topLogprobs int
	temperature            float64
	seed                   uint64
	verifier, reward       string
	stop                   []string
}

func (f *sampleFlags) add(c *cobra.Command) {
	c.Flags().IntVar(&f.maxTokens, "max-tokens", 512, "tokens per continuation at most")
	c.Flags().IntVar(&f.topLogprobs, "top-logprobs", 5, "top log-probs per token (entropies for TreeRL's forks)")
	c.Flags().Float64Var(&f.temperature, "temperature", 1, "sampling temperature")
	c.Flags().Uint64Var(&f.seed, "seed", 0, "run seed (each request's seed derives from it and the request)")
	c.Flags().StringVar(&f.verifier, "verifier", "exact", "exact, numeric, or cmd:PROGRAM ARGS (reads {text, ground_truth, finish_reason} JSON, prints a number)")
	c.Flags().StringVar(&f.reward, "reward", "outcome", "outcome channel written to each sample's rewards")
	c.Flags().StringArrayVar(&f.stop, "stop", nil, "stop string (repeatable)")
}

func (f *sampleFlags) options(mf *modelFlags) (probe.RunOptions, *model.Client, error) {
	c, extra, err := mf.client()
	if err != nil {
		return probe.RunOptions{}, nil, err
	}
	v, err := probe.ParseVerifier(f.verifier)
	if err != nil {
		return probe.RunOptions{}, nil, usageError{err}
	}
	s := &probe.HTTPSampler{Client: c, MaxTokens: f.maxTokens, Temperature: f.temperature, TopLogprobs: f.topLogprobs, Stop: f.stop, Extra: extra}
	return probe.RunOptions{Sampler: s, Verifier: v, Reward: f.reward, Seed: f.seed, Concurrency: mf.concurrency, Tokenize: c.Tokenize}, c, nil
}

// planFlags configure the planners.
type planFlags struct {
	method string
	po     probe.PlanOptions
	lines  bool
}

func (f *planFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.method, "method", "", "method to plan for: "+strings.Join(probe.Methods, ", "))
	c.Flags().IntSliceVar(&f.po.Branch, "branch", []int{3, 3}, "spo.tree: children per node at depth 1, 2, ...")
	c.Flags().IntVar(&f.po.Segment, "segment", 8, "spo.tree: tokens per tree segment")
	c.Flags().IntVar(&f.po.Top, "forks", 2, "treerl: highest-entropy tokens forked per iteration")
	c.Flags().IntVar(&f.po.Fork, "fork-samples", 2, "treerl: continuations per fork")
	c.Flags().IntVar(&f.po.Iters, "iters", 1, "treerl: forking iterations")
	c.Flags().IntVar(&f.po.Samples, "samples", 0, "Monte Carlo samples per estimate (default: spo.chain 9, omegaprm and vsrm 8)")
	c.Flags().IntVar(&f.po.Interval, "interval", 0, "spo.chain: keep every k-th cutpoint (default 5)")
	c.Flags().Float64Var(&f.po.ProbThreshold, "prob-threshold", 0, "spo.chain: cutpoints before tokens with probability below it (default 0.9)")
	c.Flags().StringVar(&f.po.ValueKey, "value-key", "mc", "step value written (omegaprm, vsrm)")
	c.Flags().Float64Var(&f.po.Threshold, "threshold", 0, "omegaprm: a prefix is correct when its MC value is above it")
	c.Flags().IntVar(&f.po.MALTBranch, "malt-branch", 3, "malt: verifier turns per generation and refiner turns per verification")
	c.Flags().StringVar(&f.po.VerifierSuffix, "verifier-suffix", "", "malt: text after the generation that asks for a verification (default probe.VerifierSuffix)")
	c.Flags().StringVar(&f.po.RefinerSuffix, "refiner-suffix", "", "malt: text after the verification that asks for a refinement (default probe.RefinerSuffix)")
	c.Flags().IntSliceVar(&f.po.Budgets, "budgets", []int{16, 32, 64, 128}, "brpo: truncation budgets in response tokens, increasing")
	c.Flags().StringVar(&f.po.Force, "force", "", "vsrm, brpo: forced-answer suffix put after each prefix (e.g. '</think> The answer is '); the verifier scores it followed by the sampled answer")
	c.Flags().IntSliceVar(&f.po.ForceIDs, "force-ids", nil, "vsrm, brpo: the token ids of --force (default: asked from the server's /tokenize when sampling)")
	c.Flags().BoolVar(&f.lines, "line-steps", false, "omegaprm, vsrm: make each line of the response a step (from token_text) where a record has no steps")
}

func (f *planFlags) prepare(b *rollout.Batch, reward string) error {
	if f.method == "" {
		return usageError{errors.New("--method is required")}
	}
	f.po.Reward = reward
	if f.po.Force == "" && len(f.po.ForceIDs) > 0 {
		return usageError{errors.New("--force-ids needs --force (the suffix's text, which the verifier scores)")}
	}
	if f.po.Force != "" && f.method != "vsrm" && f.method != "brpo" {
		return usageError{fmt.Errorf("--force: method %s samples no forced answers (vsrm and brpo do)", f.method)}
	}
	if f.lines {
		for _, t := range b.Trajectories {
			if len(t.Steps) == 0 && !t.Probe {
				if err := probe.LineSteps(t); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func readBatch(path, inFmt string) (*rollout.Batch, error) {
	if err := checkInput(path, inFmt); err != nil {
		return nil, err
	}
	b, err := format.ReadAllWith(path, format.Options{Format: inFmt})
	if err != nil {
		return nil, usageError{err}
	}
	return b, nil
}

func writeBatch(b *rollout.Batch, path, outFmt string) error {
	o, err := format.CreateWith(path, format.Options{Format: outFmt})
	if err != nil {
		return err
	}
	defer o.Abort()
	for _, t := range b.Trajectories {
		if err := o.Write(t); err != nil {
			return err
		}
	}
	return o.Commit()
}

func newProbe() *cobra.Command {
	c := &cobra.Command{
		Use:   "probe",
		Short: "Sample the continuations tree and Monte Carlo methods need from a model server",
		Long: `probe plans, samples and scores the extra continuations of SPO-tree, TreeRL,
SPO-chain, OmegaPRM and VSRM from any OpenAI-compatible /v1/completions server
(vLLM, SGLang, llama.cpp, credo lab serve) and writes them into the rollout file
as records credo assign reads: tree nodes and probes with parent links, or step
values. Records need prompt_token_ids and token_text (credo probe rollouts
writes both). See docs/models.md.`,
	}
	c.AddCommand(newProbeRollouts(), newProbePlan(), newProbeRun(), newProbeExpand())
	return c
}

func statsLine(cmd *cobra.Command, quiet bool, c *model.Client) {
	if !quiet && c != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "credo: model:", c.Stats())
	}
}

func newProbeRollouts() *cobra.Command {
	var (
		mf           modelFlags
		sf           sampleFlags
		prompts, out string
		outFmt       string
		n            int
		quiet        bool
	)
	c := &cobra.Command{
		Use:   "rollouts --prompts FILE --n N --out FILE",
		Short: "Sample a group of scored rollouts per prompt",
		Long: `rollouts reads prompts (JSONL: {"uid", "prompt" or "prompt_token_ids", "ground_truth"})
and writes n scored responses per prompt, with the fields the probes need.`,
		Example: `  credo probe rollouts --endpoint http://127.0.0.1:8000/v1 --prompts prompts.jsonl --n 4 --out rollouts.jsonl`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if prompts == "" || out == "" || n < 1 {
				return usageError{errors.New("rollouts needs --prompts, --out and --n ≥ 1")}
			}
			specs, err := readPrompts(prompts)
			if err != nil {
				return err
			}
			ro, cl, err := sf.options(&mf)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			b, err := probe.Rollouts(ctx, specs, n, ro)
			if err != nil {
				return err
			}
			if err := writeBatch(b, out, outFmt); err != nil {
				return err
			}
			statsLine(cmd, quiet, cl)
			return nil
		},
	}
	mf.add(c)
	sf.add(c)
	c.Flags().StringVar(&prompts, "prompts", "", "prompts file (JSONL)")
	c.Flags().IntVar(&n, "n", 4, "responses per prompt")
	c.Flags().StringVar(&out, "out", "", "output rollouts")
	c.Flags().StringVar(&outFmt, "out-format", "", "format of --out when its name does not say")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing on success")
	return c
}

func readPrompts(path string) ([]probe.PromptSpec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{err}
	}
	defer f.Close()
	var out []probe.PromptSpec
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 64<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var p struct {
			UID         string `json:"uid"`
			Prompt      *string
			PromptIDs   []int  `json:"prompt_token_ids"`
			GroundTruth string `json:"ground_truth"`
		}
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, usageError{fmt.Errorf("%s line %d: %v", path, line, err)}
		}
		if p.UID == "" {
			p.UID = fmt.Sprintf("p%d", line)
		}
		if p.Prompt == nil && p.PromptIDs == nil {
			return nil, usageError{fmt.Errorf("%s line %d (uid %q): field prompt or prompt_token_ids: missing", path, line, p.UID)}
		}
		s := probe.PromptSpec{Group: p.UID, PromptIDs: p.PromptIDs, GroundTruth: p.GroundTruth}
		if p.Prompt != nil {
			s.PromptText = *p.Prompt
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

func newProbePlan() *cobra.Command {
	var (
		pf      planFlags
		in, out string
		inFmt   string
		reward  string
	)
	c := &cobra.Command{
		Use:     "plan --method M --in FILE --out PLAN",
		Short:   "List the continuations a method still needs (JSONL, one request per line)",
		Example: `  credo probe plan --method spo.tree --branch 3,3 --segment 16 --in rollouts.jsonl --out plan.jsonl`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if in == "" || out == "" {
				return usageError{errors.New("plan needs --in and --out")}
			}
			b, err := readBatch(in, inFmt)
			if err != nil {
				return err
			}
			if err := pf.prepare(b, reward); err != nil {
				return err
			}
			tasks, err := probe.Plan(b, pf.method, pf.po)
			if err != nil {
				return err
			}
			return writeTasks(tasks, out)
		},
	}
	pf.add(c)
	c.Flags().StringVar(&in, "in", "", "input rollouts")
	c.Flags().StringVar(&inFmt, "in-format", "", "format of --in when its name does not say")
	c.Flags().StringVar(&out, "out", "", "plan file (JSONL)")
	c.Flags().StringVar(&reward, "reward", "outcome", "outcome channel")
	return c
}

func writeTasks(tasks []probe.Task, path string) error {
	var w io.Writer = os.Stdout
	var f *atomicfile.File
	if path != "-" {
		var err error
		if f, err = atomicfile.Create(path); err != nil {
			return err
		}
		defer f.Abort()
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, t := range tasks {
		if err := enc.Encode(t); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		return f.Commit()
	}
	return nil
}

func readTasks(path string) ([]probe.Task, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{err}
	}
	defer f.Close()
	var out []probe.Task
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	for i := 1; ; i++ {
		var t probe.Task
		if err := dec.Decode(&t); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, usageError{fmt.Errorf("%s: task %d: %v", path, i, err)}
		}
		out = append(out, t)
	}
}

func newProbeRun() *cobra.Command {
	var (
		mf            modelFlags
		sf            sampleFlags
		plan, in, out string
		inFmt, outFmt string
		quiet, lines  bool
		budgets       []int
	)
	c := &cobra.Command{
		Use:     "run --plan PLAN --in FILE --out FILE",
		Short:   "Sample and score a plan's continuations and write them into the rollouts",
		Example: `  credo probe run --endpoint http://127.0.0.1:8000/v1 --plan plan.jsonl --in rollouts.jsonl --out probed.jsonl`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if plan == "" || in == "" || out == "" {
				return usageError{errors.New("run needs --plan, --in and --out")}
			}
			tasks, err := readTasks(plan)
			if err != nil {
				return err
			}
			b, err := readBatch(in, inFmt)
			if err != nil {
				return err
			}
			if err := checkOutput(out, outFmt); err != nil {
				return err
			}
			if lines {
				if err := splitLines(b); err != nil {
					return err
				}
			}
			ro, cl, err := sf.options(&mf)
			if err != nil {
				return err
			}
			if len(tasks) > 0 {
				if err := probe.Prepare(b, tasks[0].Method, probe.PlanOptions{Reward: sf.reward, ValueKey: tasks[0].ValueKey, Force: tasks[0].Force, Budgets: budgets}); err != nil {
					return err
				}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			bar := newTaskBar(cmd, quiet, "probe: tasks")
			ro.Progress = bar.update()
			n, err := probe.Run(ctx, b, tasks, ro)
			bar.finish()
			if err != nil {
				return err
			}
			if err := writeBatch(b, out, outFmt); err != nil {
				return err
			}
			if !quiet {
				fmt.Fprintf(cmd.ErrOrStderr(), "credo: probe: %d tasks, %d samples -> %s\n", len(tasks), n, out)
			}
			statsLine(cmd, quiet, cl)
			return nil
		},
	}
	mf.add(c)
	sf.add(c)
	c.Flags().StringVar(&plan, "plan", "", "plan file written by credo probe plan")
	c.Flags().BoolVar(&lines, "line-steps", false, "make each line of the response a step where a record has none (as the plan was made with)")
	c.Flags().IntSliceVar(&budgets, "budgets", []int{16, 32, 64, 128}, "brpo: the truncation budgets the plan was made with")
	c.Flags().StringVar(&in, "in", "", "input rollouts")
	c.Flags().StringVar(&out, "out", "", "output rollouts")
	c.Flags().StringVar(&inFmt, "in-format", "", "format of --in when its name does not say")
	c.Flags().StringVar(&outFmt, "out-format", "", "format of --out when its name does not say")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing on success")
	return c
}

func newProbeExpand() *cobra.Command {
	var (
		mf            modelFlags
		sf            sampleFlags
		pf            planFlags
		in, out       string
		inFmt, outFmt string
		rounds        int
		quiet         bool
	)
	c := &cobra.Command{
		Use:   "expand --method M --in FILE --out FILE",
		Short: "Plan, sample and plan again until the method has all it needs",
		Long: `expand repeats plan and run on the growing batch until the plan is empty:
tree levels for SPO-tree, forking iterations for TreeRL, the binary search of
OmegaPRM round by round.`,
		Example: `  credo probe expand --endpoint http://127.0.0.1:8000/v1 --method treerl.group_trie --forks 2 --iters 2 --in rollouts.jsonl --out tree.jsonl
  credo assign --method treerl.group_trie --in tree.jsonl --out credit.jsonl`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if in == "" || out == "" {
				return usageError{errors.New("expand needs --in and --out")}
			}
			b, err := readBatch(in, inFmt)
			if err != nil {
				return err
			}
			if err := checkOutput(out, outFmt); err != nil {
				return err
			}
			if err := pf.prepare(b, sf.reward); err != nil {
				return err
			}
			ro, cl, err := sf.options(&mf)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			bar := newTaskBar(cmd, quiet, "probe "+pf.method+": tasks of this round")
			ro.Progress = bar.update()
			r, n, err := probe.Expand(ctx, b, pf.method, pf.po, ro, rounds)
			bar.finish()
			if err != nil {
				return err
			}
			if err := writeBatch(b, out, outFmt); err != nil {
				return err
			}
			if !quiet {
				fmt.Fprintf(cmd.ErrOrStderr(), "credo: probe: %s: %d rounds, %d samples, %d records -> %s\n", pf.method, r, n, len(b.Trajectories), out)
			}
			statsLine(cmd, quiet, cl)
			return nil
		},
	}
	mf.add(c)
	sf.add(c)
	pf.add(c)
	c.Flags().StringVar(&in, "in", "", "input rollouts")
	c.Flags().StringVar(&out, "out", "", "output rollouts")
	c.Flags().StringVar(&inFmt, "in-format", "", "format of --in when its name does not say")
	c.Flags().StringVar(&outFmt, "out-format", "", "format of --out when its name does not say")
	c.Flags().IntVar(&rounds, "max-rounds", 64, "rounds at most")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing on success")
	return c
}
