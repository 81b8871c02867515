package matrix

import (
	"context"
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/train"
)

// Stage is a point of training at which rows are scored: the matrix's
// random initial policy trained by verl.grpo (PPO, Adam 0.1, 4 prompts ×
// 8, cycling the environment's start distribution) for Iters iterations
// (0: the initial policy itself), then scored with group size N.
type Stage struct {
	Name  string
	Iters int
	N     int
}

// StageScores are rows scored at one stage on one environment, per seed.
type StageScores struct {
	// Pearson maps a row name to its per-seed Pearson(Â, A^π) (NaN where
	// the credit was constant on every scored token).
	Pearson map[string][]float64
	// Return is the stage policy's exact expected return per seed (on the
	// training loop's evaluation prompts; at Iters = 0 the initial
	// policy's): how far training has gone, i.e. whether the stage is at
	// a ceiling where A^π is nearly 0 everywhere.
	Return []float64
}

// ScoreStage scores the named rows of the matrix ("verl.grpo",
// "verl.gae [oracle critic]", ...) on one environment spec at one stage,
// every seed of x with the full-mode matrix's scoring budget. Rows are
// scored on the same episodes per seed (paired). The stage's policy is
// trained exactly as scoreStages trains it.
func ScoreStage(ctx context.Context, x *run.Ctx, envSpec string, st Stage, rowNames []string) (*StageScores, error) {
	all := matrixRows(credit.All())
	var rows []matrixRow
	for _, name := range rowNames {
		found := false
		for _, r := range all {
			if r.name == name {
				rows = append(rows, r)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("matrix: no row %q", name)
		}
	}
	sz := Size{P: 4, N: st.N, R: x.Pick(4, 8), Warm: x.Pick(4, 16)}
	S := len(x.Seeds)
	pear := make([][]float64, S)
	ret := make([]float64, S)
	err := x.Parallel(ctx, S, func(si int) error {
		seed := x.Seeds[si]
		pol, r, err := stagePolicy(ctx, x, envSpec, seed, st.Iters)
		if err != nil {
			return err
		}
		w, err := newWorldPol(x, envSpec, seed, sz, pol)
		if err != nil {
			return err
		}
		ret[si] = r
		pear[si] = make([]float64, len(rows))
		for i, row := range rows {
			c := w.scoreRow(row)
			if c.Status != "ok" {
				return fmt.Errorf("matrix: %s on %s at the %s policy: %s: %s", row.name, envSpec, st.Name, c.Status, c.Reason)
			}
			pear[si][i] = c.Metrics["pearson"]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &StageScores{Pearson: map[string][]float64{}, Return: ret}
	for i, row := range rows {
		v := make([]float64, S)
		for si := range v {
			v[si] = pear[si][i]
		}
		out.Pearson[row.name] = v
	}
	return out, nil
}

// stagePolicy trains the stage's policy and returns it with its final
// exact return; at 0 iterations the policy is nil (newWorldPol's initial
// policy, the same N(0, 1) logits as the training loop's) and the return
// the initial policy's.
func stagePolicy(ctx context.Context, x *run.Ctx, envSpec string, seed uint64, iters int) (*policy.Tabular, float64, error) {
	out, err := train.Run(ctx, x, seed, train.Spec{Env: envSpec, Method: "verl.grpo", InitScale: 1, Iters: iters,
		P: 4, N: 8, LR: 0.1, Update: train.DefaultUpdate(), EvalEvery: iters, Cycle: true})
	if err != nil {
		return nil, 0, err
	}
	pol, ok := out.Pol.(*policy.Tabular)
	if !ok {
		return nil, 0, fmt.Errorf("matrix: the stage policy on %s is %T, not tabular", envSpec, out.Pol)
	}
	if iters == 0 {
		return nil, out.Final["return"], nil
	}
	return pol, out.Final["return"], nil
}
