package exp

import (
	"context"
	"fmt"

	"github.com/credo-rl/credo/lab/lmexp"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/textenv"
	"github.com/credo-rl/credo/lab/train"
)

func init() {
	register(result.Experiment{
		Name:  "length_budget",
		Title: "A shrinking length budget (Train Long, Think Short) on ArithChain with fillers, against plain GRPO",
		Paper: "Train Long, Think Short: curriculum learning for efficient reasoning (methods.md §1 row 28); stage method/reward tlts",
		Claim: "A correctness + length-budget reward whose budget shrinks over training shortens the policy's responses " +
			"(here: drops the filler lines) without lowering the true reward, where GRPO on correctness alone leaves the length as it is.",
		Envs:    []string{"arithchain-prm"},
		Methods: []string{"tlts", "verl.grpo"},
	}, runLengthBudget)
}

// lengthBudgetSet is tlts's setting for ArithChain completions (a canonical
// two-step chain is about 40 characters = tokens, a filler line adds 7 or
// 9): the budget starts above the longest demo and shrinks by 0.9 per RL
// iteration to a floor below the canonical chain, so that every token
// counts; no format channel (the environment has none).
var lengthBudgetSet = map[string]any{"format": "", "budget_start": 64.0, "budget_min": 32.0, "decay": 0.9}

func runLengthBudget(ctx context.Context, x *run.Ctx) (*result.Result, error) {
	const envName = "arithchain-prm"
	// A mid-sized model (the full lm_tokens model is D=64 × 3 layers): the
	// comparison needs seeds more than size, and the lab runs on CPUs.
	cfg := lmexp.FullConfig()
	cfg.Model.D, cfg.Model.Heads, cfg.Model.Layers = 32, 2, 2
	cfg.SFTLR, cfg.RLLR = 1e-2, 1e-3
	evalN := 16
	if x.Quick {
		cfg = lmexp.QuickConfig()
		evalN = 4
	}
	cfg.TrainAll = false
	methods := []struct {
		label, method string
		set           map[string]any
	}{{"grpo", "verl.grpo", map[string]any{"gamma": 1.0}}, {"tlts", "tlts", lengthBudgetSet}}
	S := len(x.Seeds)
	x.Total(len(methods) * S)
	type out struct {
		reward, length, fillers float64
		curve                   []float64
	}
	res := &result.Result{Config: map[string]any{
		"model": fmt.Sprintf("decoder-only transformer (lab/lm): D=%d, %d layers, %d heads, character vocabulary", cfg.Model.D, cfg.Model.Layers, cfg.Model.Heads),
		"warm_start": fmt.Sprintf("%d Adam steps (lr %g) of next-token NLL on the demonstrations (the canonical chain and two with one filler line each)",
			cfg.SFTSteps, cfg.SFTLR),
		"rl":      fmt.Sprintf("%d iterations, %d prompts × %d completions, PPO-clip (loss.PolicyLossVanilla), lr %g; the method's state carried across iterations", cfg.RLIters, cfg.RLPrompts, cfg.RLN, cfg.RLLR),
		"tlts":    fmt.Sprintf("tlts over verl.grpo: %v (budget in tokens, one iteration = one call)", lengthBudgetSet),
		"eval":    fmt.Sprintf("after RL: %d completions per task of the pool (%d tasks), true reward = the environment's (correct chain, fillers allowed), length = tokens incl. end-of-sequence", evalN, cfg.Pool),
		"same_as": "both methods start from the same warm start per seed (the warm-start stream depends on the seed only); the RL sampling streams differ by method",
	}}
	outs := make([][]out, len(methods))
	for mi, m := range methods {
		outs[mi] = make([]out, S)
		c := cfg
		c.RLMethod, c.RLSet = m.method, m.set
		err := x.Parallel(ctx, S, func(si int) error {
			seed := x.Seeds[si]
			model, r, err := lmexp.Train(ctx, envName, seed, c)
			if err != nil {
				return fmt.Errorf("length_budget, %s, seed %d: %w", m.label, seed, err)
			}
			tasks, err := textenv.Pool(envName, c.Pool, c.Text, seed)
			if err != nil {
				return err
			}
			pol := &lmexp.Policy{M: model}
			rng := x.Rng(seed, "length_budget", "eval", m.label)
			var o out
			n := 0.0
			for ti := range tasks {
				cs, err := pol.Group(tasks, ti, evalN, rng)
				if err != nil {
					return err
				}
				for _, cm := range cs {
					o.reward += cm.Out.Reward
					o.length += float64(len(cm.Tokens))
					for _, ln := range cm.Out.Lines {
						if ln.Kind == "filler" {
							o.fillers++
						}
					}
					n++
				}
			}
			o.reward /= n
			o.length /= n
			o.fillers /= n
			o.curve = r.RLCurve
			outs[mi][si] = o
			x.Tick(1)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	per := func(mi int, f func(o out) float64) []float64 {
		v := make([]float64, S)
		for si, o := range outs[mi] {
			v[si] = f(o)
		}
		return v
	}
	rewards := func(o out) float64 { return o.reward }
	lengths := func(o out) float64 { return o.length }
	fillers := func(o out) float64 { return o.fillers }
	for mi, m := range methods {
		res.Rows = append(res.Rows,
			result.RowOf(envName, m.label, "true_reward", per(mi, rewards)),
			result.RowOf(envName, m.label, "mean_length", per(mi, lengths)),
			result.RowOf(envName, m.label, "fillers_per_response", per(mi, fillers)))
		curves := make([]*train.Out, S)
		for si, o := range outs[mi] {
			t := &train.Out{Curves: map[string][]float64{"reward": o.curve}}
			for it := range o.curve {
				t.X = append(t.X, float64(it))
			}
			curves[si] = t
		}
		res.Curves = append(res.Curves, curveOf(envName, m.label, "reward", curves))
	}
	res.Findings = append(res.Findings,
		result.Paired("the length budget shortens responses", "mean length (tokens) after RL", envName, "grpo", "tlts", "length", per(0, lengths), per(1, lengths), false),
		result.Paired("the length budget drops filler lines", "filler lines per response after RL", envName, "grpo", "tlts", "fillers", per(0, fillers), per(1, fillers), false),
		result.Paired("the length budget keeps the true reward (a higher B is not claimed; an interval across 0 means no loss was detected)", "true reward after RL", envName, "grpo", "tlts", "true_reward", per(0, rewards), per(1, rewards), true))
	res.Notes = append(res.Notes,
		"Both methods train the same warm-started transformer per seed; only the reward handed to GRPO differs (tlts = correctness + "+
			"0.5·correctness·clip((B−L)/B, −1, 1), B shrinking from 64 to 32 tokens). The true reward is the environment's: the correct chain, "+
			"fillers allowed, so a filler costs nothing in truth and only the budget removes it.")
	return res, nil
}
