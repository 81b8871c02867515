package group

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Bindings of the package's estimators to credo's method registry.

// KnapsackMethod is the registered name of Knapsack RL's stateful helper.
const KnapsackMethod = "knapsack.grpo"

// transformedChannel is the reward channel a transform hands to its base
// method (in a private copy of the batch; the user's data is not changed).
const transformedChannel = "credo.transformed"

var (
	pBase = credit.Param{Name: "base", Kind: credit.String, Default: "verl.grpo",
		Doc: "method that turns the transformed reward into advantages (it reads rewards.<reward>)"}
	pEpsilon = credit.Param{Name: "epsilon", Kind: credit.Float, Default: 1e-6, Doc: "added to the group standard deviation (passed to the base method when it has it)"}
	pNormStd = credit.Param{Name: "norm_adv_by_std_in_grpo", Kind: credit.Bool, Default: true, Doc: "divide by the group std (passed to the base method when it has it)"}
	pThresh  = credit.Param{Name: "threshold", Kind: credit.Float, Default: 0.5, Doc: "a response is correct when its outcome >= threshold"}
	pThink   = credit.Param{Name: "thinking", Kind: credit.String, Default: "thinking", Doc: "reward channel of the thinking-quality reward model"}
)

// channelInput requires the reward channel named by a parameter (an empty
// name means the channel is not used).
func channelInput(param, doc string) credit.Input {
	return credit.Input{Name: "rewards.<" + param + ">", Doc: doc,
		Has: func(t *rollout.Trajectory, v credit.Values) bool {
			name := v.String(param)
			if name == "" {
				return true
			}
			_, ok := t.Rewards[name]
			return ok
		}}
}

// outcomes returns each trajectory's outcome (the named channel, or the sum
// of its token rewards).
func outcomes(b *rollout.Batch, channel string) ([]float64, error) {
	out := make([]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		r, ok := credit.Outcome(t, channel)
		if !ok {
			return nil, fmt.Errorf("trajectory %d (traj_uid %q): no rewards.%s and no token_level_rewards", i, t.ID, channel)
		}
		out[i] = r
	}
	return out, nil
}

// channel returns each trajectory's value of a named reward channel.
func channel(b *rollout.Batch, name string) ([]float64, error) {
	out := make([]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		r, ok := t.Rewards[name]
		if !ok {
			return nil, fmt.Errorf("trajectory %d (traj_uid %q): no rewards.%s", i, t.ID, name)
		}
		out[i] = r
	}
	return out, nil
}

// baseValues resolves the base method and its parameter values: its
// defaults, with every parameter the calling method also has (same name and
// type, other than "base") passed through.
func baseValues(v credit.Values) (*credit.Method, credit.Values, error) {
	name := v.String("base")
	m, err := credit.Lookup(name)
	if err != nil {
		return nil, nil, fmt.Errorf("base: %w", err)
	}
	bv := m.Defaults()
	for _, p := range m.Params {
		if p.Name == "base" {
			continue
		}
		if x, ok := v[p.Name]; ok {
			if fmt.Sprintf("%T", x) == fmt.Sprintf("%T", p.Default) {
				bv[p.Name] = x
			}
		}
	}
	return m, bv, nil
}

// runBase hands one transformed reward per trajectory to the base method:
// it runs on a private copy of the batch whose only reward is that value
// (token_level_rewards removed, so the reward sits on the last valid token)
// and its advantages and returns are copied back.
func runBase(b *rollout.Batch, v credit.Values, r []float64) error {
	m, bv, err := baseValues(v)
	if err != nil {
		return err
	}
	if _, ok := bv["reward"]; !ok {
		return fmt.Errorf("base method %s reads no outcome reward channel (it has no parameter \"reward\")", m.Name)
	}
	bv["reward"] = transformedChannel
	shadow := &rollout.Batch{Trajectories: make([]*rollout.Trajectory, len(b.Trajectories))}
	for i, t := range b.Trajectories {
		c := *t
		c.Rewards = map[string]float64{transformedChannel: r[i]}
		c.TokenRewards = nil
		c.Advantages, c.Returns = nil, nil
		shadow.Trajectories[i] = &c
	}
	if err := m.Assign(shadow, bv); err != nil {
		return fmt.Errorf("base method: %w", err)
	}
	for i, t := range b.Trajectories {
		t.Advantages = shadow.Trajectories[i].Advantages
		t.Returns = shadow.Trajectories[i].Returns
	}
	return nil
}

// featureText renders a feature value as text (numbers in shortest form,
// so 2 and 2.0 are the same key).
func featureText(x any) (string, bool) {
	switch v := x.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64), true
		}
		return v.String(), true
	}
	return "", false
}

// keyOf resolves a trajectory key spec: "uid" (the group id),
// "features.<name>", "steps" (number of top-level steps) or "steps.<kind>"
// (number of steps of that kind).
func keyOf(t *rollout.Trajectory, spec string) (string, bool) {
	switch {
	case spec == "uid":
		return t.Group, true
	case strings.HasPrefix(spec, "features."):
		x, ok := t.Features[strings.TrimPrefix(spec, "features.")]
		if !ok {
			return "", false
		}
		return featureText(x)
	case spec == "steps":
		return strconv.Itoa(len(t.TopSteps())), true
	case strings.HasPrefix(spec, "steps."):
		kind := strings.TrimPrefix(spec, "steps.")
		c := 0
		for _, s := range t.Steps {
			if s.Kind == kind {
				c++
			}
		}
		return strconv.Itoa(c), true
	}
	return "", false
}

func keyInput(param, doc string) credit.Input {
	return credit.Input{Name: "<" + param + ">", Doc: doc,
		Has: func(t *rollout.Trajectory, v credit.Values) bool {
			_, ok := keyOf(t, v.String(param))
			return ok
		}}
}

func checkKeySpec(param, spec string) error {
	if spec == "uid" || spec == "steps" || (strings.HasPrefix(spec, "features.") && len(spec) > len("features.")) ||
		(strings.HasPrefix(spec, "steps.") && len(spec) > len("steps.")) {
		return nil
	}
	return fmt.Errorf("parameter %s = %q: want uid, features.<name>, steps or steps.<kind>", param, spec)
}

// scoreRows are verl's GRPO scores: the sum of token_level_rewards, or the
// outcome channel when they are absent.
func scoreRows(b *rollout.Batch, ch string) ([]float64, [][]float64, error) {
	r, err := credit.TokenRewards(b, ch)
	if err != nil {
		return nil, nil, err
	}
	m := credit.Masks(b)
	s, err := rowSums("scores", r, m)
	return s, m, err
}

var paperStratified = credit.Provenance{Paper: "Stratified GRPO: Handling Structural Heterogeneity in Reinforcement Learning of LLM Search Agents", ArXiv: "2510.06214",
	Reference: "no official code; formula stub Wodlfvllf/grpo-composer grpo_composer/advantages/stratified.py", SpecRow: 5}

func init() {
	credit.Register(&credit.Method{
		Name:    "stratified_grpo",
		Summary: "Stratified GRPO: α·SAN (normalised inside strata of a trajectory feature) + (1-α)·GRPO",
		Params: []credit.Param{
			{Name: "stratum", Kind: credit.String, Default: "features.n_search_calls", Doc: "stratum key: features.<name>, steps (top-level step count) or steps.<kind> (count of steps of a kind)"},
			{Name: "alpha", Kind: credit.Float, Default: 1.0, Doc: "weight of the stratified estimator (1 = pure SAN, 0 = GRPO); paper default not found"},
			{Name: "singleton", Kind: credit.String, Default: SingletonGlobal, Choices: []string{SingletonGlobal, SingletonZero}, Doc: "stratum of one: take the group estimator (global) or 0 (zero) as its SAN"},
			{Name: "scope", Kind: credit.String, Default: "group", Choices: []string{"group", "batch"}, Doc: "strata and global statistics inside each prompt group, or over the whole batch"},
			pEpsilon, pNormStd, credit.RewardParam,
		},
		Inputs: []credit.Input{credit.InGroup, credit.InTokenRewards,
			keyInput("stratum", "the stratum key of each trajectory (e.g. features.n_search_calls)")},
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeGroup,
		ScopeOf: func(v credit.Values) credit.Scope {
			if v.String("scope") == "batch" {
				return credit.ScopeBatch
			}
			return credit.ScopeGroup
		},
		Provenance: paperStratified,
		Notes: "reads features.<name> or steps[].kind as the stratum; score as verl.grpo (token_level_rewards sum, else rewards.<reward>); " +
			"with one stratum per group it equals verl.grpo; a stratum of one takes A^GN (singleton=global) or 0; scope=batch uses batch-wide statistics; returns == advantages",
		Run: func(b *rollout.Batch, v credit.Values) error {
			if err := checkKeySpec("stratum", v.String("stratum")); err != nil {
				return err
			}
			scores, mask, err := scoreRows(b, v.String("reward"))
			if err != nil {
				return err
			}
			idx := credit.GroupIDs(b)
			if v.String("scope") == "batch" {
				for i := range idx {
					idx[i] = ""
				}
			}
			strata := make([]string, len(b.Trajectories))
			for i, t := range b.Trajectories {
				strata[i], _ = keyOf(t, v.String("stratum"))
			}
			a, err := StratifiedScalar(scores, idx, strata, StratifiedOptions{Alpha: v.Float("alpha"), Epsilon: v.Float("epsilon"),
				NormByStd: v.Bool("norm_adv_by_std_in_grpo"), Singleton: v.String("singleton")})
			if err != nil {
				return err
			}
			adv, err := Broadcast(a, mask)
			if err != nil {
				return err
			}
			credit.Store(b, adv, adv)
			return nil
		},
	})

	credit.Register(&credit.Method{
		Name:    "trust_grpo",
		Summary: "Trust-GRPO: outcome + α·e^{-step/T}·γ_trust·thinking reward, then the base method (GRPO)",
		Params: []credit.Param{
			pBase, credit.RewardParam, pThink,
			{Name: "alpha", Kind: credit.Float, Default: 1.0, Doc: "coefficient of the thinking reward (paper value not found)"},
			pThresh,
			{Name: "anneal_T", Kind: credit.Float, Default: 0.0, Doc: "time constant T of the annealing weight e^{-step/T}; 0 = no annealing (paper value not found)"},
			{Name: "step", Kind: credit.Int, Default: -1, Doc: "training step for the annealing; -1 = the step counter kept in the method state"},
			pEpsilon, pNormStd,
		},
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome,
			channelInput("thinking", "thinking-quality reward in [0, 1] of each response")},
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		ScopeOf:    credit.BaseScope("base", ""),
		Provenance: credit.Provenance{Paper: "SophiaVL-R1: Reinforcing MLLMs Reasoning with Thinking Reward", ArXiv: "2505.17018", Reference: "kxfan2002/SophiaVL-R1 (trust weighting not located in the code)", SpecRow: 40},
		Notes: "γ = 1 if mean thinking reward of correct >= that of incorrect responses, else exp(μ_c - μ_w); γ = 1 when a group lacks either; " +
			"state: \"step\" counts calls (one call = one training step); the scope and returns are those of the base method",
		Steps: beginTrust,
	})

	credit.Register(&credit.Method{
		Name:    "posterior_grpo",
		Summary: "Posterior-GRPO: format + outcome + outcome·thinking reward (thinking counts only on success), then the base method",
		Params: []credit.Param{
			pBase, credit.RewardParam, pThink,
			{Name: "format", Kind: credit.String, Default: "format", Doc: "reward channel of the format reward (empty = none)"},
			pEpsilon, pNormStd,
		},
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome,
			channelInput("thinking", "thinking-quality reward of each response"),
			channelInput("format", "format reward of each response")},
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		ScopeOf:    credit.BaseScope("base", ""),
		Provenance: credit.Provenance{Paper: "Posterior-GRPO: Rewarding Reasoning Processes in Code Generation", ArXiv: "2508.05170", Reference: "formula from the third-party Wodlfvllf/grpo-composer", SpecRow: 86},
		Notes:      "R = R_f + R_o + R_o·R_t with R_o the outcome channel (0/1); the scope and returns are those of the base method",
		Run: func(b *rollout.Batch, v credit.Values) error {
			o, err := outcomes(b, v.String("reward"))
			if err != nil {
				return err
			}
			th, err := channel(b, v.String("thinking"))
			if err != nil {
				return err
			}
			var f []float64
			if name := v.String("format"); name != "" {
				if f, err = channel(b, name); err != nil {
					return err
				}
			}
			r, err := PosteriorRewards(f, o, th)
			if err != nil {
				return err
			}
			return runBase(b, v, r)
		},
	})

	lscChannels := func(v credit.Values) []string { return splitList(v.String("channels")) }
	credit.Register(&credit.Method{
		Name:    "lsc",
		Summary: "LSC transform: u = Σ_k log σ(r_k - r_k,ref(x)) over reward channels (\"sum = AND\"), then the base method",
		Params: []credit.Param{
			pBase,
			{Name: "channels", Kind: credit.String, Default: "outcome", Doc: "comma-separated reward channels (reward-model scores) to transform and sum"},
			{Name: "ref", Kind: credit.String, Default: "channel", Choices: []string{"channel", "group_quantile"}, Doc: "reference reward: rewards.<channel><ref_suffix> per trajectory, or a quantile of the group's own rewards"},
			{Name: "ref_suffix", Kind: credit.String, Default: "_ref", Doc: "suffix of the reference channels when ref=channel"},
			{Name: "quantile", Kind: credit.Float, Default: 0.85, Doc: "quantile of the group's rewards when ref=group_quantile (paper: a high quantile of base-policy rewards, ~0.85 recalled)"},
			pEpsilon, pNormStd,
		},
		Inputs: []credit.Input{credit.InGroup, {Name: "rewards.<channels> (+ rewards.<channel><ref_suffix> when ref=channel)", Doc: "reward-model scores and their per-prompt reference",
			Has: func(t *rollout.Trajectory, v credit.Values) bool {
				for _, c := range lscChannels(v) {
					if _, ok := t.Rewards[c]; !ok {
						return false
					}
					if v.String("ref") == "channel" {
						if _, ok := t.Rewards[c+v.String("ref_suffix")]; !ok {
							return false
						}
					}
				}
				return true
			}}},
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		ScopeOf:    credit.BaseScope("base", ""),
		Provenance: credit.Provenance{Paper: "Transforming and Combining Rewards for Aligning Large Language Models", ArXiv: "2402.00742", SpecRow: 60},
		Notes:      "the paper trains with KL-regularised PPO; here the transformed reward goes to the base method (default verl.grpo); group_quantile approximates the base-policy reference with the group's own samples",
		Run: func(b *rollout.Batch, v credit.Values) error {
			chs := lscChannels(v)
			if len(chs) == 0 {
				return fmt.Errorf("parameter channels is empty: want at least one reward channel")
			}
			idx := credit.GroupIDs(b)
			rs := make([][]float64, len(chs))
			refs := make([][]float64, len(chs))
			for k, c := range chs {
				var err error
				if rs[k], err = channel(b, c); err != nil {
					return err
				}
				if v.String("ref") == "channel" {
					refs[k], err = channel(b, c+v.String("ref_suffix"))
				} else {
					refs[k], err = GroupQuantileRefs(rs[k], idx, v.Float("quantile"))
				}
				if err != nil {
					return err
				}
			}
			u, err := LSC(rs, refs)
			if err != nil {
				return err
			}
			return runBase(b, v, u)
		},
	})

	credit.Register(&credit.Method{
		Name:    "grpo_lambda",
		Summary: "GRPO-λ: length-penalised reward for the top-λ groups by correctness ratio, 0/1 for the rest, then the base method",
		Params: []credit.Param{
			pBase, credit.RewardParam,
			{Name: "lambda", Kind: credit.Float, Default: 0.2, Doc: "fraction of the batch's groups (highest correctness ratio) that get the length penalty (paper default not found)"},
			pThresh, pEpsilon, pNormStd,
		},
		Inputs:     []credit.Input{credit.InGroup, credit.InOutcome},
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeBatch,
		Provenance: credit.Provenance{Paper: "Stable Reinforcement Learning for Efficient Reasoning", ArXiv: "2505.18086", SpecRow: 69},
		Notes: "length = number of tokens with a non-zero mask; selected groups: 1 + (0.5 - (L-Lmin)/(Lmax-Lmin)) if correct, min(0, ·) if not (Kimi-1.5 form, recalled); " +
			"k = ceil(λ·G) groups, ties by first appearance; batch-wide ranking",
		Run: func(b *rollout.Batch, v credit.Values) error {
			o, err := outcomes(b, v.String("reward"))
			if err != nil {
				return err
			}
			lengths := make([]float64, len(b.Trajectories))
			for i, t := range b.Trajectories {
				for j := 0; j < t.Len(); j++ {
					if t.MaskAt(j) != 0 {
						lengths[i]++
					}
				}
			}
			r, _, err := GRPOLambdaRewards(o, lengths, credit.GroupIDs(b), GRPOLambdaOptions{Lambda: v.Float("lambda"), Threshold: v.Float("threshold")})
			if err != nil {
				return err
			}
			return runBase(b, v, r)
		},
	})

	trlFuncs := func(v credit.Values) []string { return splitList(v.String("reward_funcs")) }
	credit.Register(&credit.Method{
		Name:    "trl.grpo",
		Summary: "TRL GRPO advantage over weighted reward channels: sum_then_normalize / normalize_then_sum, group / batch / none scaling",
		Params: []credit.Param{
			{Name: "reward_funcs", Kind: credit.String, Default: "outcome", Doc: "comma-separated reward channels, TRL's reward functions (a missing channel is TRL's None)"},
			{Name: "reward_weights", Kind: credit.String, Default: "", Doc: "comma-separated weights, one per channel (empty = 1.0 each)"},
			{Name: "multi_objective_aggregation", Kind: credit.String, Default: SumThenNormalize, Choices: []string{SumThenNormalize, NormalizeThenSum}, Doc: "sum then normalise, or normalise each channel in its group then sum (GDPO)"},
			{Name: "scale_rewards", Kind: credit.String, Default: ScaleGroup, Choices: []string{ScaleGroup, ScaleBatch, ScaleNone}, Doc: "divide by the group std, the batch std or nothing (TRL True = group, False = none)"},
			{Name: "epsilon", Kind: credit.Float, Default: 1e-4, Doc: "added to every standard deviation"},
			{Name: "allow_unscorable", Kind: credit.Bool, Default: false, Doc: "accept trajectories with none of the channels (advantage 0, as TRL); otherwise they are an input error"},
		},
		Inputs: []credit.Input{credit.InGroup, {Name: "rewards.<reward_funcs>", Doc: "at least one of the reward channels",
			Has: func(t *rollout.Trajectory, v credit.Values) bool {
				if v.Bool("allow_unscorable") {
					return true
				}
				for _, c := range trlFuncs(v) {
					if _, ok := t.Rewards[c]; ok {
						return true
					}
				}
				return false
			}}},
		Outputs:    []string{"advantages"},
		Scope:      credit.ScopeBatch,
		Provenance: credit.Provenance{Paper: "DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models", ArXiv: "2402.03300", Reference: "huggingface/trl@f2cd5771 trl/trainer/grpo_trainer.py::GRPOTrainer._generate_and_score_completions"},
		Notes: "nanstd is unbiased and NaN for one value, so singleton groups and unscorable rows get 0 (nan_to_num); batch scaling keeps the group mean; " +
			"normalize_then_sum ends with a batch-wide z-score; groups are uids of any size (TRL: contiguous blocks of num_generations); group-scoped with the defaults",
		Run: func(b *rollout.Batch, v credit.Values) error {
			fs := trlFuncs(v)
			if len(fs) == 0 {
				return fmt.Errorf("parameter reward_funcs is empty: want at least one reward channel")
			}
			var w []float64
			if s := strings.TrimSpace(v.String("reward_weights")); s != "" {
				for _, x := range splitList(s) {
					f, err := strconv.ParseFloat(x, 64)
					if err != nil {
						return fmt.Errorf("parameter reward_weights: %q is not a number", x)
					}
					w = append(w, f)
				}
				if len(w) != len(fs) {
					return fmt.Errorf("parameter reward_weights has %d weights, reward_funcs has %d channels", len(w), len(fs))
				}
			}
			rpf := make([][]float64, len(b.Trajectories))
			for i, t := range b.Trajectories {
				row := make([]float64, len(fs))
				for k, c := range fs {
					if r, ok := t.Rewards[c]; ok {
						row[k] = r
					} else {
						row[k] = math.NaN()
					}
				}
				rpf[i] = row
			}
			a, err := TRLAdvantages(rpf, credit.GroupIDs(b), TRLOptions{Weights: w, Aggregation: v.String("multi_objective_aggregation"),
				ScaleRewards: v.String("scale_rewards"), Epsilon: v.Float("epsilon")})
			if err != nil {
				return err
			}
			adv, err := Broadcast(a, credit.Masks(b))
			if err != nil {
				return err
			}
			credit.Store(b, adv, nil)
			return nil
		},
	})

	registerBRPO()

	credit.Register(&credit.Method{
		Name:    KnapsackMethod,
		Summary: "Knapsack RL bookkeeping: the base method's advantages (GRPO on variable-size groups) plus per-prompt success estimates p̂ kept in state for the allocator",
		Params: []credit.Param{
			pBase, credit.RewardParam, pThresh,
			{Name: "prompt_key", Kind: credit.String, Default: "uid", Doc: "what identifies a prompt across batches: uid or features.<name> (verl's uid is new every batch; use a stable feature)"},
			{Name: "ema", Kind: credit.Float, Default: 0.0, Doc: "p̂ ← ema·p̂ + (1-ema)·observed success rate; 0 = the last observed rate"},
			pEpsilon, pNormStd,
		},
		Inputs:     []credit.Input{credit.InGroup, credit.InOutcome, keyInput("prompt_key", "a prompt id stable across batches")},
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		ScopeOf:    credit.BaseScope("base", ""),
		Provenance: credit.Provenance{Paper: "Knapsack RL: Unlocking Exploration of LLMs via Optimizing Budget Allocation", ArXiv: "2509.25849", Reference: "no official code", SpecRow: 41},
		Notes: "state: \"p_hat\" and \"rollouts\" per prompt key, \"effective_ratio\" of the last batch (share of groups with non-equal outcomes); " +
			"the allocation itself is the Go function KnapsackAllocate (read p̂ with KnapsackEstimates); advantages and returns are the base method's",
		Steps: beginKnapsack,
	})
}

// KnapsackEstimates returns the per-prompt success estimates p̂ that the
// knapsack.grpo method keeps in st (the state passed to AssignState), ready
// for KnapsackAllocate. It is empty before the first call.
func KnapsackEstimates(st *credit.State) (map[string]float64, error) {
	p := map[string]float64{}
	if st == nil {
		return p, nil
	}
	_, err := st.For(KnapsackMethod).Get("p_hat", &p)
	return p, err
}

// splitList splits a comma-separated parameter, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func init() {
	credit.Register(&credit.Method{
		Name:    "bstar",
		Summary: "B-STaR: balance score of a query's kept samples and the choice of sampling configuration (temperature, reward threshold) that maximises it",
		Params: []credit.Param{
			{Name: "n_star", Kind: credit.Float, Default: 0.0, Doc: "target count n* of unique correct responses per query (no default; pass it)"},
			{Name: "thresholds", Kind: credit.String, Default: "", Doc: "candidate reward thresholds τ (function argument)"},
		},
		Inputs:     []credit.Input{{Name: "BStarPool per configuration", Doc: "per query: sampled answers, verifier verdicts, reward scores"}},
		Outputs:    []string{"the chosen configuration and threshold (BStarChoice)"},
		Scope:      credit.ScopeBatch,
		Provenance: credit.Provenance{Paper: "B-STaR: Monitoring and Balancing Exploration and Exploitation in Self-Taught Reasoners", ArXiv: "2412.17256", SpecRow: 54},
		Notes:      "acts before rollout, so it assigns no credit; balance score min(n'/n*, 1)·n'/n is the catalogue's recalled form",
		GoAPI:      "method/group.BStarChoose (with BalanceScore, BStarQueryScore)",
	})
}
