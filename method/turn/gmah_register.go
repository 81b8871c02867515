package turn

// The registry binding of gmah.mixer, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
)

// Parameters of gmah.mixer.
var (
	pGmahMixerW1B1W2B2 = credit.StringParam{Param: credit.Param{Name: "W1, B1, W2, B2", Kind: credit.String, Default: "", Doc: "mixing weights for one state (struct fields of Mixer; absolute values are taken)", Origin: credit.ByCredo("struct fields set by the caller (Go API)")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "gmah.mixer",
		Summary: "GMAH's credit part: QMIX-style monotone mixing of per-agent values into a joint value, and each agent's credit ∂Q_tot/∂Q_i",
		Params: credit.Params(
			pGmahMixerW1B1W2B2,
		),
		Inputs:     []credit.Input{{Name: "per-agent values Q_1..Q_n", Doc: "one value per agent for a state"}},
		Outputs:    []string{"joint value Q_tot (Mixer.Mix)", "per-agent credit (Mixer.Credit)"},
		Scope:      credit.ScopeBatch,
		Provenance: credit.Provenance{Paper: "GMAH: subgoal-based hierarchical multi-agent RL (mixer as in QMIX, arXiv:1803.11485)", SpecRow: 4},
		Notes:      "low priority: the subgoal part is not implemented; the mixer writes no per-token credit",
		GoAPI:      "method/turn.Mixer (Mix, Credit)",
	})
}
