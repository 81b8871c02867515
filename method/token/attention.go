package token

import (
	"fmt"
	"math"
	"slices"

	"github.com/credo-rl/credo/internal/arrays"
)

// Attention-guided preplan-and-anchor credit (spec row #6).
//
// Paper: "Attention Illuminates LLM Reasoning: The Preplan-and-Anchor Rhythm
// Enables Fine-Grained Policy Optimization", Li et al. (arXiv:2510.13554).
// No reference code was found; the metric formulas are the spec's
// reconstructions and the selection rules and defaults below are credo's
// choices where the paper's are NOT FOUND (see docs/methods/token.md).

// Preplan-and-anchor strategies: the paper's three RL strategies.
const (
	// StrategyPreplan amplifies the preplan tokens (WAAD peaks).
	StrategyPreplan = "preplan"
	// StrategyAnchor amplifies the anchor tokens (highest FAI).
	StrategyAnchor = "anchor"
	// StrategyCoupled amplifies each anchor token and the preplan token that
	// introduces it (the highest-WAAD token among the Window tokens before
	// the anchor and the anchor itself): credit from the anchor is
	// propagated to its preceding preplan token.
	StrategyCoupled = "coupled"
)

// Preplan selection rules.
const (
	// PreplanTop ranks tokens by WAAD itself.
	PreplanTop = "top"
	// PreplanRise ranks tokens by the rise of WAAD over the previous
	// policy token (the first policy token's rise is its WAAD): the tooth
	// edges of the sawtooth pattern rather than long plateaus.
	PreplanRise = "rise"
)

// PreplanAnchorOptions are the hyper-parameters of the preplan-and-anchor
// weights. The paper's scaling factors and top-k ratios were NOT FOUND;
// the defaults are credo's.
type PreplanAnchorOptions struct {
	// Strategy is StrategyPreplan, StrategyAnchor or StrategyCoupled
	// (default coupled, the paper's strategy combining both signals).
	Strategy string
	// Scale is the amplification factor of a selected token's advantage
	// (default 1.5; 1 is the identity).
	Scale float64
	// PreplanRatio is the fraction of a response's policy tokens selected
	// as preplan tokens (default 0.1): the ceil(ratio·n) highest-ranked.
	PreplanRatio float64
	// AnchorRatio is the fraction selected as anchor tokens by FAI
	// (default 0.1).
	AnchorRatio float64
	// Window is how many tokens before an anchor are searched for its
	// preplan token (coupled; default 1: the token just before the anchor,
	// or the anchor itself, which the paper says "immediately follows or
	// coincides with" the preplan token).
	Window int
	// PreplanRule is PreplanTop (default) or PreplanRise.
	PreplanRule string
}

// DefaultPreplanAnchorOptions returns credo's defaults: coupled, scale 1.5,
// ratios 0.1, window 1, rule top.
func DefaultPreplanAnchorOptions() PreplanAnchorOptions {
	return PreplanAnchorOptions{Strategy: StrategyCoupled, Scale: 1.5, PreplanRatio: 0.1, AnchorRatio: 0.1, Window: 1, PreplanRule: PreplanTop}
}

func (o PreplanAnchorOptions) check(est string) error {
	switch o.Strategy {
	case StrategyPreplan, StrategyAnchor, StrategyCoupled:
	default:
		return fmt.Errorf("%s: strategy %q, want %s, %s or %s", est, o.Strategy, StrategyPreplan, StrategyAnchor, StrategyCoupled)
	}
	switch o.PreplanRule {
	case PreplanTop, PreplanRise:
	default:
		return fmt.Errorf("%s: preplan_rule %q, want %s or %s", est, o.PreplanRule, PreplanTop, PreplanRise)
	}
	if !arrays.Finite(o.Scale) || o.Scale < 0 {
		return fmt.Errorf("%s: scale = %v, want a finite number >= 0", est, o.Scale)
	}
	for _, r := range []struct {
		n string
		x float64
	}{{"preplan_ratio", o.PreplanRatio}, {"anchor_ratio", o.AnchorRatio}} {
		if !(r.x >= 0 && r.x <= 1) {
			return fmt.Errorf("%s: %s = %v, want a fraction in [0, 1]", est, r.n, r.x)
		}
	}
	if o.Window < 0 {
		return fmt.Errorf("%s: window = %d, want >= 0", est, o.Window)
	}
	return nil
}

func (o PreplanAnchorOptions) needWAAD() bool { return o.Strategy != StrategyAnchor }
func (o PreplanAnchorOptions) needFAI() bool  { return o.Strategy != StrategyPreplan }

// topK returns k = ceil(ratio·n) (0 when ratio or n is 0).
func topK(ratio float64, n int) int {
	k := int(math.Ceil(ratio*float64(n) - 1e-9))
	return min(max(k, 0), n)
}

// selectTop writes into sel the positions of the k policy tokens with the
// highest score (ties: the earlier position first). idx is scratch space.
func selectTop(idx []int, score []float64, k int) []int {
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case score[a] > score[b]:
			return -1
		case score[a] < score[b]:
			return 1
		}
		return 0
	})
	return idx[:k]
}

// PreplanAnchorWeights returns per-token advantage amplification weights:
// w[i][t] = Scale on the selected tokens of response i, 1 elsewhere
// (masked tokens are never selected).
//
// With n the number of policy tokens (mask ≠ 0) of the response:
//
//	preplan set P = the ceil(PreplanRatio·n) tokens with the highest WAAD
//	                (PreplanTop) or WAAD rise (PreplanRise)
//	anchor set  N = the ceil(AnchorRatio·n) tokens with the highest FAI
//	coupled   C(a) = argmax WAAD over the policy tokens in [a−Window, a]
//
//	preplan:  S = P      anchor:  S = N      coupled:  S = N ∪ {C(a): a ∈ N}
//
// WAAD (windowed average attention distance, locally focused heads) peaks
// on preplan tokens that look far back; FAI (future attention influence,
// globally focused heads) is high on anchor tokens that later tokens attend
// to. Both are given per token (see WAAD and FAI for one reconstruction
// from an attention matrix); waad may be nil for the anchor strategy and
// fai for the preplan strategy. mask may be nil (all ones).
//
// Paper: arXiv:2510.13554, spec row #6. The selection rules are credo's
// reading of the paper ("advantage amplification coefficients" on preplan
// tokens, anchor tokens and their temporal coupling); the paper's exact
// coefficients and ratios were NOT FOUND.
func PreplanAnchorWeights(waad, fai, mask [][]float64, opt PreplanAnchorOptions) ([][]float64, error) {
	const est = "preplan_anchor"
	if err := opt.check(est); err != nil {
		return nil, err
	}
	var ref [][]float64
	refName := ""
	switch {
	case opt.needWAAD():
		ref, refName = waad, "waad"
	default:
		ref, refName = fai, "fai"
	}
	if ref == nil {
		return nil, fmt.Errorf("%s: strategy %s needs %s scores", est, opt.Strategy, refName)
	}
	if opt.needWAAD() {
		if err := checkRows(est, "waad", waad, refName, ref, false); err != nil {
			return nil, err
		}
	}
	if opt.needFAI() {
		if err := checkRows(est, "fai", fai, refName, ref, false); err != nil {
			return nil, err
		}
	}
	if err := checkRows(est, "mask", mask, refName, ref, true); err != nil {
		return nil, err
	}
	w := allocLike(ref)
	maxLen := 0
	for _, r := range ref {
		maxLen = max(maxLen, len(r))
	}
	idx := make([]int, 0, maxLen)
	rise := make([]float64, maxLen)
	for i, row := range ref {
		wi := w[i]
		for t := range wi {
			wi[t] = 1
		}
		idx = idx[:0]
		for t := range row {
			if maskAt(mask, i, t) != 0 {
				idx = append(idx, t)
			}
		}
		n := len(idx)
		if n == 0 {
			continue
		}
		if opt.Strategy == StrategyPreplan {
			score := waad[i]
			if opt.PreplanRule == PreplanRise {
				prev := 0.0
				for _, t := range idx {
					rise[t] = waad[i][t] - prev
					prev = waad[i][t]
				}
				score = rise
			}
			for _, t := range selectTop(idx, score, topK(opt.PreplanRatio, n)) {
				wi[t] = opt.Scale
			}
			continue
		}
		anchors := selectTop(idx, fai[i], topK(opt.AnchorRatio, n))
		for _, a := range anchors {
			wi[a] = opt.Scale
		}
		if opt.Strategy == StrategyCoupled {
			for _, a := range anchors {
				best := -1
				for p := a; p >= max(0, a-opt.Window); p-- {
					if maskAt(mask, i, p) != 0 && (best < 0 || waad[i][p] > waad[i][best]) {
						best = p
					}
				}
				wi[best] = opt.Scale // best >= 0: a itself is a policy token
			}
		}
	}
	return w, nil
}

// ApplyWeights multiplies advantages by per-token weights:
// A'[i][t] = w[i][t]·A[i][t]. Weights of 1 leave the base advantage
// unchanged, so amplification with Scale = 1 is the identity.
func ApplyWeights(advantages, weights [][]float64) ([][]float64, error) {
	const est = "preplan_anchor"
	if err := checkFinite(est, "advantages", advantages); err != nil {
		return nil, err
	}
	if err := checkRows(est, "weights", weights, "advantages", advantages, false); err != nil {
		return nil, err
	}
	out := allocLike(advantages)
	for i, a := range advantages {
		for t, x := range a {
			out[i][t] = weights[i][t] * x
		}
	}
	return out, nil
}

// checkAttention verifies a causal attention matrix of n response tokens:
// row t has at least t+1 entries (keys 0..t), all finite.
func checkAttention(est string, attn [][]float64) error {
	for t, row := range attn {
		if len(row) < t+1 {
			return fmt.Errorf("%s: attention row %d has %d keys, want at least %d (keys 0..%d)", est, t, len(row), t+1, t)
		}
		for s := 0; s <= t; s++ {
			if !arrays.Finite(row[s]) {
				return fmt.Errorf("%s: attention row %d key %d is %v, want a finite number", est, t, s, row[s])
			}
		}
	}
	return nil
}

// WAAD computes the windowed average attention distance of every token of
// one response from a causal attention matrix attn[t][s] (query t, key
// s ≤ t; averaged over the locally focused heads by the caller):
//
//	WAAD[t] = Σ_{s≤t} attn[t][s]·min(t − s, window)
//
// A token that attends far back (a preplan token) has a high WAAD; a token
// inside a phrasal chunk, attending to its neighbours, a low one. This is
// the spec's reconstruction of the paper's metric (arXiv:2510.13554, spec
// row #6); keys past t are ignored.
func WAAD(attn [][]float64, window int) ([]float64, error) {
	const est = "preplan_anchor.waad"
	if window < 1 {
		return nil, fmt.Errorf("%s: window = %d, want >= 1", est, window)
	}
	if err := checkAttention(est, attn); err != nil {
		return nil, err
	}
	out := make([]float64, len(attn))
	for t, row := range attn {
		s := 0.0
		for k := 0; k <= t; k++ {
			s += row[k] * float64(min(t-k, window))
		}
		out[t] = s
	}
	return out, nil
}

// FAI computes the future attention influence of every token of one
// response from a causal attention matrix attn[t][s] (averaged over the
// globally focused heads by the caller):
//
//	FAI[s] = mean over t > s of attn[t][s]     (0 for the last token)
//
// A token that later tokens keep attending to (an anchor) has a high FAI.
// The spec's reconstruction of the paper's metric (arXiv:2510.13554, spec
// row #6).
func FAI(attn [][]float64) ([]float64, error) {
	const est = "preplan_anchor.fai"
	if err := checkAttention(est, attn); err != nil {
		return nil, err
	}
	n := len(attn)
	out := make([]float64, n)
	for t, row := range attn {
		for s := 0; s < t; s++ {
			out[s] += row[s]
		}
	}
	for s := 0; s < n-1; s++ {
		out[s] /= float64(n - 1 - s)
	}
	if n > 0 {
		out[n-1] = 0
	}
	return out, nil
}
