package token

// Shared helpers of the registry bindings. Each method's binding (its
// credit.Register call and run function) is in <estimator>_register.go,
// beside the file of its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Bindings of the token-level methods to the credit registry.

var (
	paperHICRA   = credit.Provenance{Paper: "Emergent Hierarchical Reasoning in LLMs through Reinforcement Learning", ArXiv: "2509.03646", SpecRow: 10, Reference: "formula as in trl examples/scripts/hicra_training.py (third-party; official code not inspected)"}
	paperAttn    = credit.Provenance{Paper: "Attention Illuminates LLM Reasoning: The Preplan-and-Anchor Rhythm Enables Fine-Grained Policy Optimization", ArXiv: "2510.13554", SpecRow: 6}
	paperMARLHF  = credit.Provenance{Paper: "MA-RLHF: Reinforcement Learning from Human Feedback with Macro Actions", ArXiv: "2410.02743", SpecRow: 17, Reference: "ernie-research/MA-RLHF@04b6f73c6dd54d6a78917dd28145577305aa75bb applications/DeepSpeed-Chat/dschat/rlhf/ppo_trainer.py::DeepSpeedPPOTrainer.train_rlhf"}
	paperR2Q     = credit.Provenance{Paper: "From r to Q*: Your Language Model is Secretly a Q-Function", ArXiv: "2404.12358", SpecRow: 22}
	paperTREG    = credit.Provenance{Paper: "T-REG: Preference Optimization with Token-Level Reward Regularization", ArXiv: "2412.02685", SpecRow: 18}
	paperOREO    = credit.Provenance{Paper: "Offline Reinforcement Learning for LLM Multi-Step Reasoning (OREO)", ArXiv: "2412.16145", SpecRow: 52}
	paperCAPO    = credit.Provenance{Paper: "CAPO: Towards Enhancing LLM Reasoning through Verifiable Generative Credit Assignment", ArXiv: "2508.02298", SpecRow: 9}
	pBase        = credit.BaseParam("verl.grpo", "method computing the base advantages, run first")
	pBaseParams  = credit.BaseParamsParam()
	pBeta        = credit.FloatParam{Param: credit.Param{Name: "beta", Kind: credit.Float, Default: DefaultBeta, Doc: "KL coefficient β of the implicit reward β·log(π/π_ref)", Origin: credit.NotInPaper("0.1 is the DPO-typical scale of β·log(π/π_ref)"), Range: credit.NonNeg}}
	pPolicy      = credit.StringParam{Param: credit.Param{Name: "policy", Kind: credit.String, Default: "auto", Doc: "policy log-probs: auto (log_probs.policy if present, else old_log_probs), old_log_probs, or a log_probs key", Origin: credit.ByCredo("the policy's own log-probs when given, else the behaviour policy's")}}
	advOut       = []string{"advantages", "returns"}
	stageOutputs = []string{"advantages", "returns (the base method's)"}
)

// policyLogProbs resolves the "policy" parameter on one trajectory.
func policyLogProbs(t *rollout.Trajectory, name string) []float64 {
	switch name {
	case "auto":
		if lp, ok := t.LogProbs["policy"]; ok {
			return lp
		}
		return t.OldLogProbs
	case "old_log_probs":
		return t.OldLogProbs
	}
	return t.LogProbs[name]
}

// refLogProbs is ref_log_prob, or log_probs.ref when that is absent.
func refLogProbs(t *rollout.Trajectory) []float64 {
	if t.RefLogProbs != nil {
		return t.RefLogProbs
	}
	return t.LogProbs["ref"]
}

var (
	inPolicy = credit.Input{Name: "log_probs.policy|old_log_probs (per policy)", Doc: "the policy's log-probs per token",
		Has: func(t *rollout.Trajectory, v credit.Values) bool { return policyLogProbs(t, pPolicy.Get(v)) != nil }}
	inRef = credit.Input{Name: "ref_log_prob|log_probs.ref", Doc: "the reference policy's log-probs per token",
		Has: func(t *rollout.Trajectory, _ credit.Values) bool { return refLogProbs(t) != nil }}
)

func scoreInput(key, doc string, need func(credit.Values) bool) credit.Input {
	return credit.Input{Name: "token_scores." + key, Doc: doc, Has: func(t *rollout.Trajectory, v credit.Values) bool {
		if !need(v) {
			return true
		}
		_, ok := t.Scores[key]
		return ok
	}}
}

// runBase runs the base method of a stage on b: its defaults, the stage's
// reward channel where the base has one, then base_params.
func runBase(stage string, b *rollout.Batch, v credit.Values) error {
	m, bv, err := credit.BaseValues(stage, v, credit.Values{credit.Reward.Name: credit.Reward.Get(v)})
	if err != nil {
		return err
	}
	name := m.Name
	if err := m.Assign(b, bv); err != nil {
		return err
	}
	for i, t := range b.Trajectories {
		if len(t.Advantages) != t.Len() {
			return fmt.Errorf("base %s wrote %d advantages for trajectory %d (traj_uid %q) of %d tokens", name, len(t.Advantages), i, t.ID, t.Len())
		}
	}
	return nil
}

func advantagesOf(b *rollout.Batch) [][]float64 {
	out := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		out[i] = t.Advantages
	}
	return out
}

// rows collects one per-token array per trajectory; it fails when an
// array is missing or has the wrong length.
func rows(b *rollout.Batch, field string, get func(*rollout.Trajectory) []float64) ([][]float64, error) {
	out := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		x := get(t)
		if x == nil {
			return nil, fmt.Errorf("trajectory %d (traj_uid %q): no %s", i, t.ID, field)
		}
		if len(x) != t.Len() {
			return nil, fmt.Errorf("trajectory %d (traj_uid %q): %s has %d values, want %d (one per token)", i, t.ID, field, len(x), t.Len())
		}
		out[i] = x
	}
	return out, nil
}

func storeAdvantages(b *rollout.Batch, adv [][]float64) {
	for i, t := range b.Trajectories {
		t.Advantages = adv[i]
	}
}

func logProbRows(b *rollout.Batch, v credit.Values) (lp, ref [][]float64, err error) {
	if lp, err = rows(b, "policy log-probs ("+pPolicy.Get(v)+")", func(t *rollout.Trajectory) []float64 { return policyLogProbs(t, pPolicy.Get(v)) }); err != nil {
		return nil, nil, err
	}
	if ref, err = rows(b, "ref_log_prob", refLogProbs); err != nil {
		return nil, nil, err
	}
	return lp, ref, nil
}
