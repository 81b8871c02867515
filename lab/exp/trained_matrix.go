package exp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/matrix"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/train"
)

func init() {
	register(result.Experiment{
		Name:  "trained_matrix",
		Title: "Trained-return matrix: every method trained on every single-agent environment, with a learning-rate sweep",
		Paper: "credo lab (no paper)",
		Claim: "Credit accuracy at a fixed policy (the matrix) is a proxy; what matters is the return a method's credit trains to. " +
			"Every method that runs on the lab's default batch is trained on every single-agent environment with three Adam " +
			"learning rates; the table reports the final exact expected return at the best rate (full mode only: quick mode " +
			"records nothing, to stay within CI's time).",
	}, runTrainedMatrix)
}

// trainedEnvs are the environments of the trained-return matrix.
var trainedEnvs = []string{"umbrella", "delayed", "shortcut", "memory", "discounting", "arithchain?pool=4", "kbhop", "sokoban6?pool=8&max_steps=8&gen_steps=40"}

// trainedLRs is the learning-rate sweep.
var trainedLRs = []float64{0.03, 0.1, 0.3}

func runTrainedMatrix(ctx context.Context, x *run.Ctx) (*result.Result, error) {
	res := &result.Result{Config: map[string]any{"envs": trainedEnvs, "learning_rates": trainedLRs,
		"training":  "tabular policy from uniform logits, PPO-clip (2 epochs), 4 prompts × 8 per batch, 100 iterations; methods that need an input the default batch lacks are n/a",
		"selection": "best rate by the mean final return over seeds (chosen and reported on the same seeds: an optimistic pick; every rate is in the rows)"}}
	if x.Quick {
		res.Notes = append(res.Notes, "full mode only: quick mode trains nothing here")
		return res, nil
	}
	var methods []*credit.Method
	for _, m := range credit.All() {
		if m.GoAPI == "" && matrix.AssignsAdvantages(m) {
			methods = append(methods, m)
		}
	}
	return trainedMatrix(ctx, x, res, methods, trainedEnvs, trainedLRs, 100)
}

// trainedMatrix trains every (method, env, lr) over the seeds and fills a
// matrix of the best rate's final return (mean [interval]) per cell.
func trainedMatrix(ctx context.Context, x *run.Ctx, res *result.Result, methods []*credit.Method, envs []string, lrs []float64, iters int) (*result.Result, error) {
	type job struct{ mi, ei, li, si int }
	S := len(x.Seeds)
	var jobs []job
	for mi := range methods {
		for ei := range envs {
			for li := range lrs {
				for si := 0; si < S; si++ {
					jobs = append(jobs, job{mi, ei, li, si})
				}
			}
		}
	}
	x.Total(len(jobs))
	final := make([]float64, len(jobs))
	reason := make([]string, len(jobs))
	err := x.Parallel(ctx, len(jobs), func(j int) error {
		jb := jobs[j]
		out, err := train.Run(ctx, x, x.Seeds[jb.si], train.Spec{Env: envs[jb.ei], Method: methods[jb.mi].Name, Iters: iters,
			P: 4, N: 8, LR: lrs[jb.li], Update: ppo(), EvalEvery: iters, Cycle: true})
		x.Tick(1)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			var ie *credit.InputError
			if errors.As(err, &ie) {
				reason[j] = "n/a: needs " + ie.Input.Name
			} else {
				reason[j] = "error: " + err.Error()
			}
			final[j] = math.NaN()
			return nil
		}
		final[j] = out.Final["return"]
		return nil
	})
	if err != nil {
		return nil, err
	}
	mx := &result.Matrix{Metric: "return", Envs: make([]string, len(envs))}
	for ei, en := range envs {
		mx.Envs[ei] = baseEnv(en)
	}
	for mi, m := range methods {
		mx.Methods = append(mx.Methods, m.Name)
		for ei := range envs {
			cell := result.Cell{Method: m.Name, Env: mx.Envs[ei], Status: "ok"}
			best, bestMean := -1, math.Inf(-1)
			per := make([][]float64, len(lrs))
			for j, jb := range jobs {
				if jb.mi != mi || jb.ei != ei {
					continue
				}
				if reason[j] != "" {
					cell.Status, cell.Reason = "n/a", reason[j]
					if len(reason[j]) > 5 && reason[j][:5] == "error" {
						cell.Status = "error"
					}
				}
				per[jb.li] = append(per[jb.li], final[j])
			}
			if cell.Status != "ok" {
				mx.Cells = append(mx.Cells, cell)
				continue
			}
			for li, lr := range lrs {
				row := result.RowOf(mx.Envs[ei], fmt.Sprintf("%s (lr %g)", m.Name, lr), "return", per[li])
				res.Rows = append(res.Rows, row)
				if row.Value.Mean > bestMean {
					best, bestMean = li, row.Value.Mean
				}
			}
			cell.Metrics = map[string]result.Interval{"return": result.RowOf("", "", "return", per[best]).Value,
				"best_lr": {Mean: lrs[best], Lo: lrs[best], Hi: lrs[best], N: 1}}
			mx.Cells = append(mx.Cells, cell)
		}
	}
	sort.Strings(mx.Methods)
	res.Matrix = mx
	return res, nil
}

// baseEnv drops an environment spec's options ("sokoban6?pool=8" → "sokoban6").
func baseEnv(spec string) string {
	for i, c := range spec {
		if c == '?' {
			return spec[:i]
		}
	}
	return spec
}
