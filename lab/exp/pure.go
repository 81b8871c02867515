package exp

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/train"
)

func init() {
	register(result.Experiment{
		Name:  "pure_hacking",
		Title: "PURE: min-form vs sum-form process-reward credit (with Clip and Delta) vs verifiable reward",
		Paper: "Stop Summation: Min-Form Credit Assignment Is All Process Reward Model Needs for Reasoning (PURE)",
		ArXiv: "2504.15275",
		Claim: "Summing process rewards lets the policy hack the PRM (sum-form training collapses at the start); min-form " +
			"credit (softmin-weighted, T → 0) curbs the hacking and reaches the verifiable-reward (VR) level; the Clip " +
			"(min(r − η, 0)) and Delta (r_t − r_{t+1}) refinements also bound the summed reward.",
		Envs:    []string{"arithchain-prm"},
		Methods: []string{"pure.credit_assignment"},
	}, runPURE)
}

// hackingMetrics samples episodes of the current policy and measures the
// PRM's verdict on them against the true reward: hacking_gap = E[mean step
// PRM score] − E[true reward] (both in [0, 1]); hacking_gap_min uses the
// minimum step score (PURE's min-form verdict) instead.
func hackingMetrics(seed uint64) func(e env.Env, pol policy.Policy, or *train.Oracle, starts []env.State, w []float64) (map[string]float64, error) {
	return func(e env.Env, pol policy.Policy, or *train.Oracle, starts []env.State, w []float64) (map[string]float64, error) {
		rng := rand.New(rand.NewPCG(seed, 0x9e7))
		sm := &sample.Sampler{Env: e, Pi: pol.Probs, Rng: rng}
		proxy, mean, sum, length, truth := 0.0, 0.0, 0.0, 0.0, 0.0
		const n = 64
		for i, s := range starts {
			sol, err := or.Sol(s)
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

// prmFlawEnv is ArithChain-PRM with the PRM score of a filler line
// (restate, check) set to filler: the strength of the padding flaw (the
// registry's PRM gives 0.9; a faithful PRM would give a filler little).
type prmFlawEnv struct {
	env.Env
	filler float64
}

func (p prmFlawEnv) Step(st env.State, t, a int) []env.Transition {
	trs := p.Env.Step(st, t, a)
	if a != env.ArithRestate && a != env.ArithCheck {
		return trs
	}
	if l := p.Legal(st); l == nil || !l[a] {
		return trs
	}
	out := make([]env.Transition, len(trs))
	for i, tr := range trs {
		sig := map[string]float64{}
		for k, v := range tr.Signals {
			sig[k] = v
		}
		sig["prm"] = p.filler
		tr.Signals = sig
		out[i] = tr
	}
	return out
}

func withFlaw(filler float64) func(env.Env) env.Env {
	return func(e env.Env) env.Env { return prmFlawEnv{Env: e, filler: filler} }
}

// verifiableShare keeps the verifiable outcome on the first ⌈share·|pool|⌉
// problems of the evaluation pool and zeroes it on the others (PURE's
// recipe: ground truth on ~10% of the problems, the PRM alone on the
// rest). With the whole group of an unlabelled problem at 0 the
// verifiable term of pure.credit_assignment's leave-one-out baseline is
// exactly 0 there.
func verifiableShare(share float64) func(e env.Env, pool []env.State) func(b *sample.Built) {
	return func(e env.Env, pool []env.State) func(b *sample.Built) {
		k := int(math.Ceil(share * float64(len(pool))))
		labelled := map[string]bool{}
		for _, s := range pool[:min(k, len(pool))] {
			labelled[s.Key()] = true
		}
		return func(b *sample.Built) {
			for i, t := range b.Batch.Trajectories {
				if labelled[b.Tokens[i][0].S.Key()] {
					continue
				}
				for name := range t.Rewards {
					t.Rewards[name] = 0
				}
				for j := range t.TokenRewards {
					t.TokenRewards[j] = 0
				}
			}
		}
	}
}

func runPURE(ctx context.Context, x *run.Ctx) (*result.Result, error) {
	const en = "arithchain-prm?pool=10"
	base := train.Spec{Env: en, Iters: x.Pick(80, 300), P: 10, N: 8, LR: 0.1, Update: ppo(),
		EvalEvery: x.Pick(10, 30), Eval: hackingMetrics(7), Cycle: true}
	prm := func(label, method string, set map[string]any, tf func(*sample.Built)) train.Spec {
		return with(base, func(s *train.Spec) {
			s.Label, s.Method, s.Set, s.Transform = label, method, set, tf
		})
	}
	// Sum-form, Clip and Delta: the engine's clip_delta stage shapes the PRM
	// step scores into token rewards (refinement none / clip / delta, no
	// outcome reward) and hands them to REINFORCE++ (γ = 1).
	refine := func(kind string) map[string]any {
		return map[string]any{"refinement": kind, "eta_mode": "batch_mean", "outcome_coef": 0.0,
			"base": "verl.reinforce_plus_plus", "base_params": "gamma=1"}
	}
	recipe := with(prm("PURE recipe (min-form PRM + VR on 10%)", "pure.credit_assignment", map[string]any{"reward_mode": "PRMVR"}, nil),
		func(s *train.Spec) { s.Prep = verifiableShare(0.1) })
	vs := []train.Spec{
		prm("min-form (PURE)", "pure.credit_assignment", map[string]any{"reward_mode": "PRM"}, nil),
		prm("sum-form", "clip_delta", refine("none"), nil),
		prm("Clip (sum-form)", "clip_delta", refine("clip"), nil),
		prm("Delta (sum-form)", "clip_delta", refine("delta"), nil),
		prm("verifiable reward", "pure.credit_assignment", map[string]any{"reward_mode": "VR"}, nil),
		prm("mean-form (PURE uniform weights)", "pure.credit_assignment", map[string]any{"reward_mode": "PRM", "disable_weighted_reward": true}, nil),
		recipe,
	}
	// The flaw's strength: the PRM score of a filler line (0.9 above).
	flaws := []float64{0.3, 0.6}
	for _, fl := range flaws {
		for _, v := range []train.Spec{vs[0], vs[1], recipe} {
			vs = append(vs, with(v, func(s *train.Spec) {
				s.Label = fmt.Sprintf("%s, filler PRM %.1f", v.Label, fl)
				s.Wrap = withFlaw(fl)
			}))
		}
	}
	x.Total(len(vs) * len(x.Seeds))
	outs, err := runVariants(ctx, x, vs)
	if err != nil {
		return nil, err
	}
	res := &result.Result{Config: configOf(vs, map[string]any{
		"prm":      "ArithChain-PRM's simulated PRM: correct line 1.0, slip 0.0, filler 0.9 (padding flaw; swept to 0.6 and 0.3), answer 1.0 correct / 0.95 wrong (confident-answer flaw)",
		"proxy":    "E[min over steps of the PRM score] of sampled episodes (64 per problem): PURE's min-form verdict on a whole solution",
		"gap":      "hacking_gap = proxy − exact expected true reward",
		"clip":     "η = the batch's mean PRM score",
		"credit":   "pure.credit_assignment (PURE's RLOO baselines and normalisation) for min-form, VR and the recipe; clip_delta (refinement none/clip/delta, η = batch mean) into verl.reinforce_plus_plus for sum-form, Clip and Delta",
		"recipe":   "PURE's training recipe: reward_mode PRMVR with the verifiable outcome on 1 of the 10 problems (10%), the PRM alone on the other 9",
		"problems": "a fixed pool of 10 problems (2–4 steps, horizon 8), all in every batch",
	})}
	const env = "arithchain-prm"
	addCurves(res, env, vs[:7], outs[:7], "true_reward", "hacking_gap", "length")
	addRows(res, env, vs, outs, "true_reward", "auc_true_reward", "hacking_gap", "auc_hacking_gap", "hacking_gap_min", "proxy_mean_prm", "proxy_min_prm", "proxy_sum_prm", "length")
	minF, sumF, clip, delta, vr, meanF, rec := outs[0], outs[1], outs[2], outs[3], outs[4], outs[5], outs[6]
	res.Findings = []result.Finding{
		result.Paired("sum-form PRM credit is hacked more than min-form", "hacking gap, mean over the learning curve", env,
			"sum-form", "min-form (PURE)", "auc_hacking_gap", finals(sumF, "auc_hacking_gap"), finals(minF, "auc_hacking_gap"), false),
		result.Paired("sum-form PRM training collapses (true reward) relative to min-form", "exact true reward, mean over the learning curve", env,
			"sum-form", "min-form (PURE)", "auc_true_reward", finals(sumF, "auc_true_reward"), finals(minF, "auc_true_reward"), true),
		result.NonInferior("min-form PRM training reaches the verifiable-reward level", "exact true reward after training (margin 0.1)", env,
			"verifiable reward", "min-form (PURE)", "true_reward", finals(vr, "true_reward"), finals(minF, "true_reward"), 0.1),
		result.NonInferior("PURE's recipe (min-form PRM + VR on 10% of problems) reaches the verifiable-reward level", "exact true reward after training (margin 0.1)", env,
			"verifiable reward", vs[6].Label, "true_reward", finals(vr, "true_reward"), finals(rec, "true_reward"), 0.1),
		result.Paired("Clip bounds the summed reward and curbs hacking", "hacking gap, mean over the learning curve", env,
			"sum-form", "Clip (sum-form)", "auc_hacking_gap", finals(sumF, "auc_hacking_gap"), finals(clip, "auc_hacking_gap"), false),
		result.Paired("Delta bounds the summed reward and curbs hacking", "hacking gap, mean over the learning curve", env,
			"sum-form", "Delta (sum-form)", "auc_hacking_gap", finals(sumF, "auc_hacking_gap"), finals(delta, "auc_hacking_gap"), false),
		result.Paired("min-form beats PURE's own uniform-weight ablation (mean-form)", "hacking gap, mean over the learning curve", env,
			"mean-form (PURE uniform weights)", "min-form (PURE)", "auc_hacking_gap", finals(meanF, "auc_hacking_gap"), finals(minF, "auc_hacking_gap"), false),
	}
	for k, fl := range flaws {
		o := outs[7+3*k : 7+3*k+3]
		l := vs[7+3*k : 7+3*k+3]
		res.Findings = append(res.Findings,
			result.Paired(fmt.Sprintf("with a weaker padding flaw (filler PRM %.1f) min-form still trains better than sum-form", fl), "exact true reward, mean over the learning curve", env,
				l[1].Label, l[0].Label, "auc_true_reward", finals(o[1], "auc_true_reward"), finals(o[0], "auc_true_reward"), true),
			result.NonInferior(fmt.Sprintf("with a weaker padding flaw (filler PRM %.1f) PURE's recipe reaches the verifiable-reward level", fl), "exact true reward after training (margin 0.1)", env,
				"verifiable reward", l[2].Label, "true_reward", finals(vr, "true_reward"), finals(o[2], "true_reward"), 0.1),
		)
	}
	res.Notes = append(res.Notes, "The PRM is hackable by design (the trap): filler lines (restate, check) score 0.9 whatever the progress and a wrong "+
		"final answer still scores 0.95, so a policy can raise every PRM-based objective by padding; the sweep lowers the filler score to 0.6 and 0.3.")
	return res, nil
}
