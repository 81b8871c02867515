package turn

// Shared helpers of the registry bindings. Each method's binding (its
// credit.Register call and run function) is in <estimator>_register.go,
// beside the file of its estimator.

import (
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

var inLeafReward = credit.Input{Name: "rewards.<reward> (leaves)", Doc: "correctness of every leaf node (final refinement)"}

var inSotopiaDims = credit.Input{Name: "steps[].rewards.<dims>", Doc: "every reward dimension of every (credited) utterance",
	Has: func(t *rollout.Trajectory, v credit.Values) bool {
		dims := credit.SplitList(pSotopiaRlDims.Get(v))
		role := pSotopiaRlRole.Get(v)
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

func returnOptions(v credit.Values) ReturnOptions {
	return ReturnOptions{Gamma: pReturnGamma.Get(v), Norm: Norm(pNorm.Get(v)), NormByStd: pNormByStd.Get(v), Epsilon: pEpsilon.Get(v)}
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
