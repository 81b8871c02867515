package lab

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/sample"
)

func init() {
	register(Experiment{
		Name:  "pure_hacking",
		Title: "PURE: min-form vs sum-form process-reward credit (with Clip and Delta) vs verifiable reward",
		Paper: "Stop Summation: Min-Form Credit Assignment Is All Process Reward Model Needs for Reasoning (PURE)",
		ArXiv: "2504.15275",
		Claim: "Summing process rewards lets the policy hack the PRM (sum-form training collapses at the start); min-form " +
			"credit (softmin-weighted, T → 0) curbs the hacking and reaches the verifiable-reward (VR) level; the Clip " +
			"(min(r − η, 0)) and Delta (r_t − r_{t+1}) refinements also bound the summed reward.",
		Envs:    []string{"arithchain-prm"},
		Methods: []string{"pure.credit_assignment"},
		run:     runPURE,
	})
}

// hackingMetrics samples episodes of the current policy and measures the
// PRM's verdict on them against the true reward: hacking_gap = E[mean step
// PRM score] − E[true reward] (both in [0, 1]); hacking_gap_min uses the
// minimum step score (PURE's min-form verdict) instead.
func hackingMetrics(seed uint64) func(e env.Env, pol policy.Policy, or *oracle, starts []env.State, w []float64) (map[string]float64, error) {
	return func(e env.Env, pol policy.Policy, or *oracle, starts []env.State, w []float64) (map[string]float64, error) {
		rng := rand.New(rand.NewPCG(seed, 0x9e7))
		sm := &sample.Sampler{Env: e, Pi: pol.Probs, Rng: rng}
		proxy, mean, sum, length, truth := 0.0, 0.0, 0.0, 0.0, 0.0
		const n = 64
		for i, s := range starts {
			sol, err := or.sol(s)
			if err != nil {
				return nil, err
			}
			truth += w[i] * sol.Value(0)
			for k := 0; k < n; k++ {
				ep := sm.Episode(i, s)
				mn, sm := math.Inf(1), 0.0
				for _, st := range ep.Steps {
					p := st.Signals["prm"]
					mn = math.Min(mn, p)
					sm += p
				}
				if len(ep.Steps) == 0 {
					mn = 0
				} else {
					mean += w[i] * sm / float64(len(ep.Steps)) / n
				}
				proxy += w[i] * mn / n
				sum += w[i] * sm / n
				length += w[i] * float64(len(ep.Steps)) / n
			}
		}
		return map[string]float64{"true_reward": truth, "proxy_min_prm": proxy, "proxy_mean_prm": mean, "proxy_sum_prm": sum,
			"hacking_gap": mean - truth, "hacking_gap_min": proxy - truth, "length": length}, nil
	}
}

func runPURE(ctx context.Context, x *runCtx) (*Result, error) {
	const en = "arithchain-prm?pool=4"
	base := trainSpec{env: en, iters: x.pick(120, 300), P: 4, N: 8, lr: 0.1, update: ppo(),
		evalEvery: x.pick(15, 30), eval: hackingMetrics(7), cycle: true}
	prm := func(label, method string, set map[string]any, tf func(*sample.Built)) trainSpec {
		return with(base, func(s *trainSpec) {
			s.label, s.method, s.set, s.transform = label, method, set, tf
		})
	}
	// Sum-form, Clip and Delta: the engine's clip_delta stage shapes the PRM
	// step scores into token rewards (refinement none / clip / delta, no
	// outcome reward) and hands them to REINFORCE++ (γ = 1).
	refine := func(kind string) map[string]any {
		return map[string]any{"refinement": kind, "eta_mode": "batch_mean", "outcome_coef": 0.0,
			"estimator": "verl.reinforce_plus_plus", "estimator_params": "gamma=1"}
	}
	vs := []trainSpec{
		prm("min-form (PURE)", "pure.credit_assignment", map[string]any{"reward_mode": "PRM"}, nil),
		prm("sum-form", "clip_delta", refine("none"), nil),
		prm("Clip (sum-form)", "clip_delta", refine("clip"), nil),
		prm("Delta (sum-form)", "clip_delta", refine("delta"), nil),
		prm("verifiable reward", "pure.credit_assignment", map[string]any{"reward_mode": "VR"}, nil),
		prm("mean-form (PURE uniform weights)", "pure.credit_assignment", map[string]any{"reward_mode": "PRM", "disable_weighted_reward": true}, nil),
	}
	x.total(len(vs) * len(x.seeds))
	outs, err := runVariants(ctx, x, vs)
	if err != nil {
		return nil, err
	}
	res := &Result{Config: configOf(vs, map[string]any{
		"prm":      "ArithChain-PRM's simulated PRM: correct line 1.0, slip 0.0, filler 0.9 (padding flaw), answer 1.0 correct / 0.95 wrong (confident-answer flaw)",
		"proxy":    "E[min over steps of the PRM score] of sampled episodes (64 per problem): PURE's min-form verdict on a whole solution",
		"gap":      "hacking_gap = proxy − exact expected true reward",
		"clip":     "η = the batch's mean PRM score",
		"credit":   "pure.credit_assignment (PURE's RLOO baselines and normalisation) for min-form and VR; clip_delta (refinement none/clip/delta, η = batch mean) into verl.reinforce_plus_plus for sum-form, Clip and Delta",
		"problems": "a fixed pool of 4 problems (2–4 steps, horizon 8)",
	})}
	const env = "arithchain-prm"
	addCurves(res, env, vs, outs, "true_reward", "hacking_gap", "length")
	addRows(res, env, vs, outs, "true_reward", "auc_true_reward", "hacking_gap", "auc_hacking_gap", "hacking_gap_min", "proxy_mean_prm", "proxy_min_prm", "proxy_sum_prm", "length")
	minF, sumF, clip, delta, vr, meanF := outs[0], outs[1], outs[2], outs[3], outs[4], outs[5]
	res.Findings = []Finding{
		paired("sum-form PRM credit is hacked more than min-form", "hacking gap, mean over the learning curve", env,
			"sum-form", "min-form (PURE)", "auc_hacking_gap", finals(sumF, "auc_hacking_gap"), finals(minF, "auc_hacking_gap"), false),
		paired("sum-form PRM training collapses (true reward) relative to min-form", "exact true reward, mean over the learning curve", env,
			"sum-form", "min-form (PURE)", "auc_true_reward", finals(sumF, "auc_true_reward"), finals(minF, "auc_true_reward"), true),
		nonInferior("min-form PRM training reaches the verifiable-reward level", "exact true reward after training (margin 0.1)", env,
			"verifiable reward", "min-form (PURE)", "true_reward", finals(vr, "true_reward"), finals(minF, "true_reward"), 0.1),
		paired("Clip bounds the summed reward and curbs hacking", "hacking gap, mean over the learning curve", env,
			"sum-form", "Clip (sum-form)", "auc_hacking_gap", finals(sumF, "auc_hacking_gap"), finals(clip, "auc_hacking_gap"), false),
		paired("Delta bounds the summed reward and curbs hacking", "hacking gap, mean over the learning curve", env,
			"sum-form", "Delta (sum-form)", "auc_hacking_gap", finals(sumF, "auc_hacking_gap"), finals(delta, "auc_hacking_gap"), false),
		paired("min-form beats PURE's own uniform-weight ablation (mean-form)", "hacking gap, mean over the learning curve", env,
			"mean-form (PURE uniform weights)", "min-form (PURE)", "auc_hacking_gap", finals(meanF, "auc_hacking_gap"), finals(minF, "auc_hacking_gap"), false),
	}
	return res, nil
}
