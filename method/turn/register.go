package turn

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Registration of the turn-level methods with the credit registry. GMAH's
// mixer is not registered: it maps per-agent values to a joint value and
// writes no per-token credit.

var (
	provOPRL = credit.Provenance{Paper: "Online Process Reward Learning for Agentic Reinforcement Learning", ArXiv: "2509.19199", SpecRow: 2}
	provMALT = credit.Provenance{Paper: "MALT: Improving Reasoning with Multi-Agent LLM Training", ArXiv: "2412.01928", SpecRow: 1}
	provArCH = credit.Provenance{Paper: "ArCHer: Training Language Model Agents via Hierarchical Multi-Turn RL", ArXiv: "2402.19446", SpecRow: 32,
		Reference: "YifeiZhou02/ArCHer@1bcbf806b71e1f35533876a952a04d89fcc1fa61 archer/algorithms/archer/trainer.py::ArcherTrainer.update"}
	provPOAD = credit.Provenance{Paper: "Reinforcing LLM Agents via Policy Optimization with Action Decomposition", ArXiv: "2405.15821", SpecRow: 30,
		Reference: "morning9393/ADRL@1a56809cdf861b1cac761554f370d9941b818c42 mappo/utils/language_buffer.py::LanguageBuffer.batch_process_tppo"}
	provSoto = credit.Provenance{Paper: "Sotopia-RL: Reward Design for Social Intelligence", ArXiv: "2508.03905", SpecRow: 37,
		Reference: "sotopia-lab/sotopia-rl@10ba7bd88eeccdb18fe2efd45d5e399481fbd5c0 scripts/data_process/process_annotation_direct_attribution.py::calc_reward"}
	provCALM = credit.Provenance{Paper: "CALM: Credit Assignment with Language Models", ArXiv: "2409.12798", SpecRow: 8}
	provLaRe = credit.Provenance{Paper: "Latent Reward: LLM-Empowered Credit Assignment in Episodic Reinforcement Learning", ArXiv: "2412.11120", SpecRow: 11}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "oprl",
		Summary: "OPRL: group-normalised episode advantage + α·normalised implicit step rewards β·Σ(log π_φ − log π_old)",
		Params: []credit.Param{
			{Name: "beta", Kind: credit.Float, Default: 0.05, Doc: "implicit reward scale β (paper value not found)"},
			{Name: "step_coef", Kind: credit.Float, Default: 1.0, Doc: "weight α of the step advantage"},
			{Name: "step_norm", Kind: credit.String, Default: "group", Choices: []string{"group", "batch", "none"}, Doc: "comparison set of the step signal"},
			{Name: "step_signal", Kind: credit.String, Default: "reward", Choices: []string{"reward", "return"}, Doc: "normalise the step reward or its discounted reward-to-go"},
			{Name: "gamma", Kind: credit.Float, Default: 1.0, Doc: "discount of the step reward-to-go (step_signal=return)"},
			{Name: "phi", Kind: credit.String, Default: "prm_phi", Doc: "log_probs channel of the implicit PRM π_φ"},
			pNormByStd, pEpsilon, credit.RewardParam,
		},
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome, credit.InOldLogProbs, inTurns,
			{Name: "log_probs.<phi>", Doc: "token log-probs under the implicit PRM π_φ", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				_, ok := t.LogProbs[v.String("phi")]
				return ok
			}}},
		Outputs:    []string{"advantages"},
		Scope:      credit.ScopeBatch,
		Provenance: provOPRL,
		Notes: "reads rewards.<reward>, old_log_probs, log_probs.<phi>, steps (top-level = turns), response_mask; " +
			"step normalisation and combination are credo's GiGPO-like reading (paper gives none); group-local unless step_norm=batch",
		Run: runOPRL,
	})
	credit.Register(&credit.Method{
		Name:    "malt",
		Summary: "MALT: value iteration over a generator → verifier → refiner tree (trajectories linked by parent), threshold labels as ±1 credit",
		Params: []credit.Param{
			{Name: "threshold", Kind: credit.Float, Default: DefaultMALTThreshold, Doc: "node is correct when its value > threshold"},
			{Name: "credit", Kind: credit.String, Default: "label", Choices: []string{"label", "value", "advantage"}, Doc: "±1 label, node value, or value − sibling mean"},
			credit.RewardParam,
		},
		Inputs:     []credit.Input{credit.InGroup, inLeafReward},
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: provMALT,
		Notes: "a trajectory is a tree node; parent.traj_uid links it to the output it conditions on (parent.token is ignored); " +
			"leaves (no children) need rewards.<reward>; returns = node value; every valid token gets the node credit",
		Run: runMALT,
	})
	credit.Register(&credit.Method{
		Name:    "archer",
		Summary: "ArCHer: utterance advantage Q − V (or TD r + γV' − V) from given critic values, on every token of the utterance",
		Params: []credit.Param{
			{Name: "advantage", Kind: credit.String, Default: string(ArCHerModeQV), Choices: []string{string(ArCHerModeQV), string(ArCHerModeTD)}, Doc: "Q − V (reference actor) or one-step TD error of V"},
			{Name: "gamma", Kind: credit.Float, Default: 0.9, Doc: "turn discount (td mode and returns)"},
			pStepReward,
		},
		Inputs: []credit.Input{inTurns,
			everyTurn("steps[].values.v", "critic V(s) of every turn", func(s *rollout.Step, _ credit.Values) bool { _, ok := s.Values["v"]; return ok }),
			everyTurn("steps[].values.q (advantage=q_minus_v)", "critic Q(s, a) of every turn", func(s *rollout.Step, v credit.Values) bool {
				_, ok := s.Values["q"]
				return ok || v.String("advantage") != string(ArCHerModeQV)
			}),
			everyTurn("steps[].rewards.<step_reward> (advantage=td)", "environment reward of every turn", func(s *rollout.Step, v credit.Values) bool {
				_, ok := s.Rewards[v.String("step_reward")]
				return ok || v.String("advantage") != string(ArCHerModeTD)
			}),
		},
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: provArCH,
		Notes: "reads steps[].values.q/v (pass the min of twin critics), steps[].rewards.<step_reward>, optional steps[last].values.v_next (bootstrap of a truncated episode); " +
			"returns = Q (q_minus_v) or the TD target r + γV' (td)",
		Run: runArCHer,
	})
	credit.Register(&credit.Method{
		Name:    "poad",
		Summary: "POAD: token-level GAE inside language actions (γ_intra = 1, reward at the action's last token, γ across actions)",
		Params: []credit.Param{
			{Name: "gamma", Kind: credit.Float, Default: 0.95, Doc: "discount across actions"},
			{Name: "lam", Kind: credit.Float, Default: 0.95, Doc: "GAE λ (within and across actions)"},
			{Name: "gamma_intra", Kind: credit.Float, Default: 1.0, Doc: "discount between tokens of an action (1 = POAD, gamma = NTPO)"},
			pStepReward,
		},
		Inputs:     []credit.Input{inTurns, credit.InValues, inStepReward()},
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: provPOAD,
		Notes: "actions = top-level steps; reads values (per token), steps[].rewards.<step_reward>, optional steps[last].values.v_next; " +
			"mask-0 tokens are transparent; the trainer's later minibatch normalisation is not applied",
		Run: runPOAD,
	})
	credit.Register(&credit.Method{
		Name:    "sotopia_rl",
		Summary: "Sotopia-RL: weighted multi-dimensional utterance rewards, GRPO-normalised within the group",
		Params: []credit.Param{
			{Name: "dims", Kind: credit.String, Default: "goal,relationship,knowledge", Doc: "comma-separated reward dimensions (steps[].rewards.<dim>)"},
			{Name: "weights", Kind: credit.String, Default: "", Doc: "comma-separated weights, one per dimension (empty = equal weights 1/D)"},
			{Name: "norm", Kind: credit.String, Default: "group", Choices: []string{"group", "none"}, Doc: "normalise over the group's utterances or use the combined reward"},
			{Name: "role", Kind: credit.String, Default: "", Doc: "credit only the utterances of this role (empty = all)"},
			pNormByStd, pEpsilon,
		},
		Inputs:     []credit.Input{credit.InGroup, inTurns, inSotopiaDims},
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: provSoto,
		Notes:      "utterances = top-level steps (of the role); returns = combined utterance reward; a group with one utterance gets 0",
		Run:        runSotopia,
	})
	credit.Register(&credit.Method{
		Name:    "calm",
		Summary: "CALM: environment reward + r_aux on steps an LLM judge labels as achieving a subgoal; normalised turn returns",
		Params: []credit.Param{
			{Name: "aux_reward", Kind: credit.Float, Default: 0.1, Doc: "subgoal bonus r_aux (paper value not found)"},
			{Name: "threshold", Kind: credit.Float, Default: 0.5, Doc: "label ≥ threshold counts as achieved"},
			{Name: "label", Kind: credit.String, Default: "subgoal", Doc: "judge label channel (steps[].labels.<label>)"},
			{Name: "gamma", Kind: credit.Float, Default: 1.0, Doc: "turn discount of the returns"},
			normParam(NormBatch, "comparison set of the turn returns"),
			pNormByStd, pEpsilon, pStepReward,
		},
		Inputs: []credit.Input{inTurns, inStepReward(),
			everyTurn("steps[].labels.<label>", "judge verdict per turn (1 = subgoal achieved)", func(s *rollout.Step, v credit.Values) bool {
				_, ok := s.Labels[v.String("label")]
				return ok
			})},
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeBatch,
		Provenance: provCALM,
		Notes:      "returns = discounted shaped reward-to-go per turn; advantages = returns standardised over the batch (or group); group-local when norm=group/none",
		Run:        runCALM,
	})
	credit.Register(&credit.Method{
		Name:    "lare",
		Summary: "LaRe: episodic return redistributed over turns by a decoder of the encoder's latent factors (fitted by return decomposition, or its given outputs); normalised turn returns",
		Params: []credit.Param{
			pLaReDecoder, pLaReFactors, pLaReRidge,
			{Name: "mode", Kind: credit.String, Default: "additive", Choices: []string{"additive", "proportional", "raw"}, Doc: "how scores become rewards (additive/proportional preserve the return)"},
			{Name: "score", Kind: credit.String, Default: "latent", Doc: "per-step score channel (steps[].values.<score>)"},
			{Name: "gamma", Kind: credit.Float, Default: 1.0, Doc: "turn discount of the returns"},
			normParam(NormBatch, "comparison set of the turn returns"),
			pNormByStd, pEpsilon, credit.RewardParam,
		},
		Inputs: []credit.Input{inTurns, credit.InOutcome,
			everyTurn("steps[].values.<score> (decoder=given)", "latent reward score per turn (decoder output)", func(s *rollout.Step, v credit.Values) bool {
				_, ok := s.Values[v.String("score")]
				return ok || v.String("decoder") != "given"
			}), inLaReFactors},
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeBatch,
		Provenance: provLaRe,
		Notes: "episodic return = rewards.<reward> (or the token-reward sum); returns = reward-to-go of the redistributed rewards; " +
			"decoder=ridge fits the linear decoder f(z) = w·z on the batch's episodes by ridge regression of Σ_t z_t on the return " +
			"(the paper's return decomposition; its decoder is a small network trained on the replay buffer: linear and per-batch are credo's), " +
			"then redistributes f(z_t) by mode (raw = the paper's r̂_t); decoder=given reads the decoder's outputs from steps[].values.<score>",
		Run: runLaRe,
	})
}

func runOPRL(b *rollout.Batch, v credit.Values) error {
	n := len(b.Trajectories)
	outcome := make([]float64, n)
	sr := make([][]float64, n)
	spans := make([][]Span, n)
	phi := v.String("phi")
	for i, t := range b.Trajectories {
		outcome[i], _ = credit.Outcome(t, v.String("reward"))
		_, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		spans[i] = sp
		if sr[i], err = ImplicitStepRewards(t.LogProbs[phi], t.OldLogProbs, t.Mask, sp, v.Float("beta")); err != nil {
			return trajErr(i, t, err)
		}
	}
	opt := OPRLOptions{Beta: v.Float("beta"), StepCoef: v.Float("step_coef"), StepNorm: Norm(v.String("step_norm")),
		Signal: OPRLSignal(v.String("step_signal")), Gamma: v.Float("gamma"), NormByStd: v.Bool("norm_by_std"), Epsilon: v.Float("epsilon")}
	adv, err := OPRL(outcome, credit.GroupIDs(b), sr, opt)
	if err != nil {
		return err
	}
	storeSpread(b, spans, adv, nil)
	return nil
}

var inLeafReward = credit.Input{Name: "rewards.<reward> (leaves)", Doc: "correctness of every leaf node (final refinement)"}

func runMALT(b *rollout.Batch, v credit.Values) error {
	of, ng := groupIndex(b)
	members := make([][]int, ng)
	for i, g := range of {
		members[g] = append(members[g], i)
	}
	for _, mem := range members {
		local := make(map[string]int, len(mem))
		for k, i := range mem {
			local[b.Trajectories[i].ID] = k
		}
		parent := make([]int, len(mem))
		reward := make([]float64, len(mem))
		hasChild := make([]bool, len(mem))
		for k, i := range mem {
			t := b.Trajectories[i]
			parent[k] = -1
			if t.Parent != nil {
				p, ok := local[t.Parent.Trajectory]
				if !ok {
					return trajErr(i, t, fmt.Errorf("parent %q is not a trajectory of the same group %q", t.Parent.Trajectory, t.Group))
				}
				parent[k] = p
				hasChild[p] = true
			}
		}
		for k, i := range mem {
			if hasChild[k] {
				continue
			}
			t := b.Trajectories[i]
			r, ok := credit.Outcome(t, v.String("reward"))
			if !ok {
				return &credit.InputError{Method: "malt", Input: inLeafReward, Trajectory: i, ID: t.ID}
			}
			reward[k] = r
		}
		value, correct, err := MALTValues(parent, reward, v.Float("threshold"))
		if err != nil {
			return fmt.Errorf("group %q: %w", b.Trajectories[mem[0]].Group, err)
		}
		cr, err := MALTNodeCredit(parent, value, correct, MALTCredit(v.String("credit")))
		if err != nil {
			return err
		}
		for k, i := range mem {
			t := b.Trajectories[i]
			t.Advantages = fill(t, cr[k])
			t.Returns = fill(t, value[k])
		}
	}
	return nil
}

func runArCHer(b *rollout.Batch, v credit.Values) error {
	mode := ArCHerMode(v.String("advantage"))
	n := len(b.Trajectories)
	spans := make([][]Span, n)
	vs, qs, rs := make([][]float64, n), make([][]float64, n), make([][]float64, n)
	boot := make([]float64, n)
	for i, t := range b.Trajectories {
		idx, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		spans[i] = sp
		vs[i], qs[i] = make([]float64, len(idx)), make([]float64, len(idx))
		for k, si := range idx {
			vs[i][k] = t.Steps[si].Values["v"]
			qs[i][k] = t.Steps[si].Values["q"]
		}
		rs[i] = stepRewards(t, idx, v.String("step_reward"))
		boot[i] = bootstrapOf(t, idx)
	}
	var adv, ret [][]float64
	var err error
	switch mode {
	case ArCHerModeQV:
		adv, err = ArCHerQV(qs, vs)
		ret = qs
	case ArCHerModeTD:
		adv, ret, err = ArCHerTD(rs, vs, boot, v.Float("gamma"))
	default:
		err = fmt.Errorf("unknown advantage %q", mode)
	}
	if err != nil {
		return err
	}
	storeSpread(b, spans, adv, ret)
	return nil
}

func runPOAD(b *rollout.Batch, v credit.Values) error {
	n := len(b.Trajectories)
	values, mask := make([][]float64, n), make([][]float64, n)
	actions, rewards := make([][]Span, n), make([][]float64, n)
	boot := make([]float64, n)
	for i, t := range b.Trajectories {
		idx, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		values[i], mask[i], actions[i] = t.Values, t.Mask, sp
		rewards[i] = stepRewards(t, idx, v.String("step_reward"))
		boot[i] = bootstrapOf(t, idx)
	}
	opt := POADOptions{Gamma: v.Float("gamma"), Lam: v.Float("lam"), GammaIntra: v.Float("gamma_intra")}
	adv, ret, err := POAD(values, mask, actions, rewards, boot, opt)
	if err != nil {
		return err
	}
	credit.Store(b, adv, ret)
	return nil
}

var inSotopiaDims = credit.Input{Name: "steps[].rewards.<dims>", Doc: "every reward dimension of every (credited) utterance",
	Has: func(t *rollout.Trajectory, v credit.Values) bool {
		dims := parseList(v.String("dims"))
		role := v.String("role")
		for _, k := range t.TopSteps() {
			s := t.Steps[k]
			if role != "" && s.Role != role {
				continue
			}
			for _, d := range dims {
				if _, ok := s.Rewards[d]; !ok {
					return false
				}
			}
		}
		return true
	}}

func runSotopia(b *rollout.Batch, v credit.Values) error {
	dims := parseList(v.String("dims"))
	if len(dims) == 0 {
		return fmt.Errorf("parameter dims: no reward dimension given")
	}
	w, err := parseFloats("weights", v.String("weights"))
	if err != nil {
		return err
	}
	if w != nil && len(w) != len(dims) {
		return fmt.Errorf("parameter weights: %d weights for %d dimensions (%v)", len(w), len(dims), dims)
	}
	role := v.String("role")
	of, ng := groupIndex(b)
	n := len(b.Trajectories)
	spans := make([][]Span, n)
	use := make([][]bool, n)
	var x [][]float64
	var set []int
	for i, t := range b.Trajectories {
		idx, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		spans[i] = sp
		use[i] = make([]bool, len(idx))
		for k, si := range idx {
			s := t.Steps[si]
			if role != "" && s.Role != role {
				continue
			}
			use[i][k] = true
			row := make([]float64, len(dims))
			for d, name := range dims {
				row[d] = s.Rewards[name]
			}
			x = append(x, row)
			set = append(set, of[i])
		}
	}
	if v.String("norm") == string(NormNone) {
		set = nil
	}
	adv, comb, err := SotopiaRL(x, set, ng, SotopiaOptions{Weights: w, NormByStd: v.Bool("norm_by_std"), Epsilon: v.Float("epsilon")})
	if err != nil {
		return err
	}
	u := 0
	for i, t := range b.Trajectories {
		a := make([]float64, len(spans[i]))
		r := make([]float64, len(spans[i]))
		for k, ok := range use[i] {
			if ok {
				a[k], r[k] = adv[u], comb[u]
				u++
			}
		}
		t.Advantages = spread(t, spans[i], a)
		t.Returns = spread(t, spans[i], r)
	}
	return nil
}

func returnOptions(v credit.Values) ReturnOptions {
	return ReturnOptions{Gamma: v.Float("gamma"), Norm: Norm(v.String("norm")), NormByStd: v.Bool("norm_by_std"), Epsilon: v.Float("epsilon")}
}

// storeTurnCredit runs ReturnCredit on per-turn rewards and writes the
// result to the turns' tokens.
func storeTurnCredit(b *rollout.Batch, spans [][]Span, rewards [][]float64, v credit.Values) error {
	of, ng := groupIndex(b)
	adv, ret, err := ReturnCredit(rewards, of, ng, returnOptions(v))
	if err != nil {
		return err
	}
	storeSpread(b, spans, adv, ret)
	return nil
}

func runCALM(b *rollout.Batch, v credit.Values) error {
	n := len(b.Trajectories)
	spans := make([][]Span, n)
	env, lab := make([][]float64, n), make([][]float64, n)
	for i, t := range b.Trajectories {
		idx, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		spans[i] = sp
		env[i] = stepRewards(t, idx, v.String("step_reward"))
		lab[i] = make([]float64, len(idx))
		for k, si := range idx {
			lab[i][k] = t.Steps[si].Labels[v.String("label")]
		}
	}
	shaped, err := CALMShapedRewards(env, lab, CALMOptions{AuxReward: v.Float("aux_reward"), Threshold: v.Float("threshold")})
	if err != nil {
		return err
	}
	return storeTurnCredit(b, spans, shaped, v)
}

func init() {
	credit.Register(&credit.Method{
		Name:    "gmah.mixer",
		Summary: "GMAH's credit part: QMIX-style monotone mixing of per-agent values into a joint value, and each agent's credit ∂Q_tot/∂Q_i",
		Params: []credit.Param{
			{Name: "W1, B1, W2, B2", Kind: credit.String, Default: "", Doc: "mixing weights for one state (struct fields of Mixer; absolute values are taken)"},
		},
		Inputs:     []credit.Input{{Name: "per-agent values Q_1..Q_n", Doc: "one value per agent for a state"}},
		Outputs:    []string{"joint value Q_tot (Mixer.Mix)", "per-agent credit (Mixer.Credit)"},
		Scope:      credit.ScopeBatch,
		Provenance: credit.Provenance{Paper: "GMAH: subgoal-based hierarchical multi-agent RL (mixer as in QMIX, arXiv:1803.11485)", SpecRow: 4},
		Notes:      "low priority: the subgoal part is not implemented; the mixer writes no per-token credit",
		GoAPI:      "method/turn.Mixer (Mix, Credit)",
	})
}
