package token

import (
	"fmt"
	"slices"

	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/rollout"
)

// MA-RLHF: RLHF with macro actions (spec row #17).
//
// Paper: "MA-RLHF: Reinforcement Learning from Human Feedback with Macro
// Actions", Chai et al., ICLR 2025 (arXiv:2410.02743).
// Reference: ernie-research/MA-RLHF@04b6f73c6dd54d6a78917dd28145577305aa75bb
// applications/DeepSpeed-Chat/dschat/rlhf/ppo_trainer.py::DeepSpeedPPOTrainer
// (fixed_ngram_selection, ppl_selection, modeling_macro_action,
// get_advantages_and_returns).

// Span is the token range [Start, End) of one macro action: rollout.Span, the
// module's one span type.
type Span = rollout.Span

// FixedNGramMacros splits a response of len(mask) tokens into macros of n
// policy tokens each (mask ≠ 0; a nil mask means all ones): a macro closes
// after its n-th policy token, and the remainder forms a last, shorter
// macro. Masked tokens belong to the macro whose range contains them.
// n = 1 gives one macro per token, i.e. token-level PPO. The spans
// partition [0, len(mask)).
//
// Reference: ppo_trainer.py::fixed_ngram_selection (n = --ngram; the
// paper's main setting is n = 5). The reference also closes a final
// one-position macro at the last position; see IsolateLast.
func FixedNGramMacros(mask []float64, n, length int) ([]Span, error) {
	if n < 1 {
		return nil, fmt.Errorf("ma_rlhf: ngram = %d, want >= 1", n)
	}
	if mask != nil && len(mask) != length {
		return nil, fmt.Errorf("ma_rlhf: mask has %d values, want %d", len(mask), length)
	}
	var out []Span
	start, count := 0, 0
	for t := 0; t < length; t++ {
		if mask == nil || mask[t] != 0 {
			count++
		}
		if count == n {
			out = append(out, Span{Start: start, End: t + 1})
			start, count = t+1, 0
		}
	}
	if start < length {
		out = append(out, Span{Start: start, End: length})
	}
	return out, nil
}

// PerplexityMacros splits a response by token perplexity, as the
// reference's perplexity-based termination: over the policy tokens
// u_0, u_1, … (mask ≠ 0), a new macro starts at u_k whenever the next
// policy token is less likely, ppl(u_{k+1}) > ppl(u_k), i.e.
// logp[u_{k+1}] < logp[u_k]. A macro thus grows while perplexity falls.
// The first macro starts at position 0 and the spans partition
// [0, len(logp)).
//
// splitAfter = true ends the macro AT u_k instead (the next starts at
// u_{k+1}), which is the paper's wording ("terminate when perplexity
// rises"); the reference's index arithmetic starts it one token earlier,
// which is the default here.
//
// Reference: ppo_trainer.py::ppl_selection, which reads the reference
// model's per-token perplexity exp(−log p_ref); any log-probs may be given
// (credo's method reads old_log_probs by default).
func PerplexityMacros(logp, mask []float64, splitAfter bool) ([]Span, error) {
	const est = "ma_rlhf"
	if mask != nil && len(mask) != len(logp) {
		return nil, fmt.Errorf("%s: mask has %d values, log-probs %d", est, len(mask), len(logp))
	}
	var starts []int
	prev := -1
	for t, lp := range logp {
		if !arrays.Finite(lp) {
			return nil, fmt.Errorf("%s: log-prob at position %d is %v, want a finite number", est, t, lp)
		}
		if mask != nil && mask[t] == 0 {
			continue
		}
		if prev >= 0 && lp < logp[prev] {
			if splitAfter {
				starts = append(starts, t)
			} else {
				starts = append(starts, prev)
			}
		}
		prev = t
	}
	out := make([]Span, 0, len(starts)+1)
	s := 0
	for _, b := range starts {
		if b > s {
			out = append(out, Span{Start: s, End: b})
			s = b
		}
	}
	if s < len(logp) {
		out = append(out, Span{Start: s, End: len(logp)})
	}
	return out, nil
}

// SpanMacros turns given spans (parse-based termination: constituents,
// reasoning steps, code statements) into a partition of [0, length): the
// spans are sorted; each maximal run of tokens they do not cover becomes a
// macro of its own. Empty spans are dropped; overlapping spans are an
// error.
//
// Reference: ppo_trainer.py::parsing_selection, which derives the spans
// from a parser; credo takes them as given (a trajectory's steps).
func SpanMacros(spans []Span, length int) ([]Span, error) {
	const est = "ma_rlhf"
	ss := make([]Span, 0, len(spans))
	for k, s := range spans {
		if s.Start < 0 || s.End < s.Start || s.End > length {
			return nil, fmt.Errorf("%s: span %d [%d, %d) is not inside the %d tokens", est, k, s.Start, s.End, length)
		}
		if s.End > s.Start {
			ss = append(ss, s)
		}
	}
	slices.SortFunc(ss, func(a, b Span) int { return a.Start - b.Start })
	out := make([]Span, 0, 2*len(ss)+1)
	pos := 0
	for _, s := range ss {
		if s.Start < pos {
			return nil, fmt.Errorf("%s: spans [%d, %d) and [%d, %d) overlap", est, out[len(out)-1].Start, out[len(out)-1].End, s.Start, s.End)
		}
		if s.Start > pos {
			out = append(out, Span{Start: pos, End: s.Start})
		}
		out = append(out, s)
		pos = s.End
	}
	if pos < length {
		out = append(out, Span{Start: pos, End: length})
	}
	return out, nil
}

// IsolateLast splits the last policy token (mask ≠ 0) off into a macro of
// its own, as the reference always closes a final one-position macro so
// that the sequence reward placed there is not mixed with other tokens.
// spans must partition the row; mask may be nil.
func IsolateLast(spans []Span, mask []float64, length int) []Span {
	last := length - 1
	for last >= 0 && mask != nil && mask[last] == 0 {
		last--
	}
	out := make([]Span, 0, len(spans)+2)
	for _, s := range spans {
		if last >= s.Start && last < s.End && s.End-s.Start > 1 {
			if s.Start < last {
				out = append(out, Span{Start: s.Start, End: last})
			}
			out = append(out, Span{Start: last, End: last + 1})
			if last+1 < s.End {
				out = append(out, Span{Start: last + 1, End: s.End})
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// Macro aggregation rules for values (the reference's --value_function).
const (
	// AggEqual averages over the macro's policy tokens (reference default).
	AggEqual = "equal"
	// AggUnit takes the macro's last policy token.
	AggUnit = "unit"
	// AggPosition weights the k-th policy token by 1/(k+1), normalised:
	// the macro's first token counts most.
	AggPosition = "position"
	// AggSum sums over the macro's policy tokens (rewards only).
	AggSum = "sum"
)

// MacroGAEOptions are MA-RLHF's advantage hyper-parameters.
type MacroGAEOptions struct {
	// Gamma is the discount per macro step (reference default 1.0).
	Gamma float64
	// Lambda is the GAE λ (reference default 0.95).
	Lambda float64
	// ValueAgg is how a macro's value is formed from its tokens' values:
	// AggEqual (default), AggUnit or AggPosition.
	ValueAgg string
	// RewardAgg is how a macro's reward is formed: AggSum (default, the
	// macro's total reward) or AggEqual/AggUnit/AggPosition. The reference
	// aggregates rewards with the value rule (an average for "equal"),
	// relying on a one-token final macro to keep the sequence reward whole;
	// set RewardAgg = ValueAgg (and use IsolateLast) to reproduce that.
	RewardAgg string
}

// DefaultMacroGAEOptions returns γ = 1, λ = 0.95 (the paper's table),
// equal-weight values and summed rewards.
func DefaultMacroGAEOptions() MacroGAEOptions {
	return MacroGAEOptions{Gamma: 1, Lambda: 0.95, ValueAgg: AggEqual, RewardAgg: AggSum}
}

func validAgg(a string, allowSum bool) bool {
	switch a {
	case AggEqual, AggUnit, AggPosition:
		return true
	case AggSum:
		return allowSum
	}
	return false
}

// aggregate combines x over the policy tokens of span s.
func aggregate(x, mask []float64, s Span, agg string) float64 {
	sum, wsum, last, k := 0.0, 0.0, 0.0, 0
	for t := s.Start; t < s.End; t++ {
		if mask != nil && mask[t] == 0 {
			continue
		}
		switch agg {
		case AggPosition:
			w := 1 / float64(k+1)
			sum += w * x[t]
			wsum += w
		default:
			sum += x[t]
		}
		last = x[t]
		k++
	}
	switch {
	case k == 0:
		return 0
	case agg == AggEqual:
		return sum / float64(k)
	case agg == AggUnit:
		return last
	case agg == AggPosition:
		return sum / wsum
	}
	return sum
}

// MacroGAE is generalised advantage estimation over macro actions, for one
// batch: macros[i] partitions row i into spans (FixedNGramMacros,
// PerplexityMacros, SpanMacros). Macros without policy tokens are skipped.
// Over the remaining macros m = 0..M−1 of a row:
//
//	V_m = ValueAgg of values over m's policy tokens,  r_m = RewardAgg of rewards
//	δ_m = r_m + γ·V_{m+1} − V_m,   V_M = 0
//	A_m = δ_m + γλ·A_{m+1},        A_M = 0
//	R_m = A_m + V_m
//
// and every policy token of macro m gets advantage A_m and return R_m;
// masked tokens get 0. γ applies once per macro, as in the reference. With
// one-token macros this is token-level GAE (OpenRLHF's get_advantages_and_
// returns on unmasked data). No whitening is applied.
//
// Quirk documented, not reproduced: the reference's "unit" rule indexes a
// 1-D tensor with [:, -1] and fails; AggUnit implements its evident intent
// (the macro's last token). Reference: ppo_trainer.py::modeling_macro_action
// and get_advantages_and_returns (arXiv:2410.02743, spec row #17).
func MacroGAE(rewards, values, mask [][]float64, macros [][]Span, opt MacroGAEOptions) (advantages, returns [][]float64, err error) {
	const est = "ma_rlhf"
	if err := checkParam(est, "gamma", opt.Gamma); err != nil {
		return nil, nil, err
	}
	if err := checkParam(est, "lambda", opt.Lambda); err != nil {
		return nil, nil, err
	}
	if !validAgg(opt.ValueAgg, false) {
		return nil, nil, fmt.Errorf("%s: value aggregation %q, want equal, unit or position", est, opt.ValueAgg)
	}
	if !validAgg(opt.RewardAgg, true) {
		return nil, nil, fmt.Errorf("%s: reward aggregation %q, want sum, equal, unit or position", est, opt.RewardAgg)
	}
	if err := checkFinite(est, "rewards", rewards); err != nil {
		return nil, nil, err
	}
	if err := checkRows(est, "values", values, "rewards", rewards, false); err != nil {
		return nil, nil, err
	}
	if err := checkRows(est, "mask", mask, "rewards", rewards, true); err != nil {
		return nil, nil, err
	}
	if len(macros) != len(rewards) {
		return nil, nil, fmt.Errorf("%s: macros has %d rows, rewards has %d", est, len(macros), len(rewards))
	}
	advantages, returns = allocLike(rewards), allocLike(rewards)
	gl := opt.Gamma * opt.Lambda
	for i, r := range rewards {
		var m []float64
		if mask != nil {
			m = mask[i]
		}
		spans := macros[i]
		pos := 0
		for k, s := range spans {
			if s.Start != pos || s.End <= s.Start {
				return nil, nil, fmt.Errorf("%s: macros row %d: span %d is [%d, %d), want a non-empty span starting at %d (spans must partition the row)", est, i, k, s.Start, s.End, pos)
			}
			pos = s.End
		}
		if pos != len(r) {
			return nil, nil, fmt.Errorf("%s: macros row %d cover %d positions, the row has %d", est, i, pos, len(r))
		}
		nextV, last := 0.0, 0.0
		a, g := advantages[i], returns[i]
		for k := len(spans) - 1; k >= 0; k-- {
			s := spans[k]
			empty := true
			for t := s.Start; t < s.End; t++ {
				if m == nil || m[t] != 0 {
					empty = false
					break
				}
			}
			if empty {
				continue
			}
			v := aggregate(values[i], m, s, opt.ValueAgg)
			rm := aggregate(r, m, s, opt.RewardAgg)
			last = rm + opt.Gamma*nextV - v + gl*last
			nextV = v
			for t := s.Start; t < s.End; t++ {
				if m == nil || m[t] != 0 {
					a[t] = last
					g[t] = last + v
				}
			}
		}
	}
	return advantages, returns, nil
}
