package tree

// Helpers shared by the registry bindings of the tree estimators: tempo's
// (tempo_register.go) and those of the references SPO and TreeRL, which
// live in package method/ref beside their anchors.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// InTokens is the input every tree method reads: the responses' token ids,
// grouped by uid.
var InTokens = credit.Input{Name: "responses", Doc: "token ids; responses of a group that share a prefix share its trie node"}

// TokenIDs returns each trajectory's token ids (its response).
func TokenIDs(b *rollout.Batch) [][]int64 {
	out := make([][]int64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		out[i] = t.Tokens
	}
	return out
}

// ApplyMask multiplies adv by the response mask and stores it as each
// trajectory's advantages (returns cleared); with lossMask and a non-nil
// train, it also writes mask·train as the trajectory's loss_weights (the
// response_mask given by the user is left as it is).
func ApplyMask(b *rollout.Batch, adv, train [][]float64, lossMask bool) {
	for i, t := range b.Trajectories {
		m := make([]float64, t.Len())
		for u := range m {
			m[u] = t.MaskAt(u)
			adv[i][u] *= m[u]
			if train != nil {
				m[u] *= train[i][u]
			}
		}
		t.Advantages = adv[i]
		t.Returns = nil
		t.LossWeights = nil
		if lossMask && train != nil {
			t.LossWeights = m
		}
	}
}
