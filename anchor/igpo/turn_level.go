package igpo

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/groups"
)

// NormMode selects which reward positions share normalisation statistics.
type NormMode int

const (
	// Joint pools the F1 and the information-gain positions of a prompt
	// group (info_gain_norm_mode="joint", the default).
	Joint NormMode = iota
	// Separate normalises the F1 positions and the information-gain
	// positions of a prompt group each on their own ("separate").
	Separate
)

// Options are the hyper-parameters of GRPOTurnLevel. The zero value is not
// the reference default; start from DefaultOptions.
type Options struct {
	// Epsilon is added to the standard deviation (default 1e-6).
	Epsilon float64
	// NormByStd divides by the standard deviation (default true,
	// norm_adv_by_std_in_grpo); false keeps r - mean.
	NormByStd bool
	// Gamma discounts the turn-level accumulation (default 1.0).
	Gamma float64
	// Mode is the normalisation grouping (default Joint).
	Mode NormMode
	// CurriculumF1Weight and CurriculumIGWeight scale the F1 and the
	// information-gain rewards before normalisation (default 1.0 each).
	CurriculumF1Weight, CurriculumIGWeight float64
	// Corrected places the F1 reward at the LAST position whose mask is 1
	// instead of the reference's position sum(mask)-1 (default false, the
	// faithful behaviour; see FinalRewardPosition).
	Corrected bool
}

// DefaultOptions returns the reference defaults: Epsilon 1e-6, NormByStd
// true, Gamma 1, Joint, curriculum weights 1, Corrected false.
func DefaultOptions() Options {
	return Options{Epsilon: 1e-6, NormByStd: true, Gamma: 1, Mode: Joint,
		CurriculumF1Weight: 1, CurriculumIGWeight: 1}
}

// FinalRewardPosition returns the position IGPO treats as the outcome (F1)
// reward position of a response with the given mask, or -1 when it has none.
//
// Faithful (corrected=false): the position L-1 with L = int(Σ mask) (the
// number of valid tokens, truncated like torch's .long(), clamped at 0),
// provided the mask is 1 there. This is only the last valid token when the
// mask has no interior zeros. DEFECT of the reference: with masked
// observation tokens inside the response (multi-turn tool output) L-1 lands
// early, on some token of an earlier turn, or on a masked position and then
// the row has no F1 position at all; the true final token's reward, when
// non-zero, is then treated as an information-gain reward.
//
// Corrected (corrected=true): the last position whose mask is 1.
func FinalRewardPosition(mask []float64, corrected bool) int {
	if corrected {
		for t := len(mask) - 1; t >= 0; t-- {
			if mask[t] == 1 {
				return t
			}
		}
		return -1
	}
	var s float64
	for _, v := range mask {
		s += v
	}
	p := int(s) - 1
	if p < 0 {
		p = 0
	}
	if p < len(mask) && mask[p] == 1 {
		return p
	}
	return -1
}

// boundary is one selected reward position of a row.
type boundary struct {
	pos int
	f1  bool
	v   float64 // weighted reward, then normalised, then accumulated
}

// GRPOTurnLevel computes IGPO's turn-level GRPO advantage.
//
// Positions: per row the F1 position f (FinalRewardPosition) and the
// information-gain positions {t : mask_t = 1, t != f, r_t != 0}. Rewards
// there are scaled by the curriculum weights (F1 / IG). Boundaries of a row
// are the union b_1 < ... < b_k of both sets.
//
// Normalisation, per prompt group (index) over the selected positions of
// all its rows (Joint: F1 and IG pooled; Separate: each set alone), with
// population statistics:
//
//	μ = Σr/n,  σ = sqrt(Σ(r-μ)²/n + 1e-8),  σ = 1 when n <= 1  (μ = 0 when n = 0)
//	n_k = (r_k - μ)/(σ + ε)   (NormByStd)  or  r_k - μ
//
// Turn accumulation, per row, backwards over its boundaries:
//
//	A_k = n_k + γ A_{k+1},  A_{k+1} = 0 after the last boundary,
//
// and A_j is written to every position t in (b_{j-1}, b_j] with mask_t == 1
// (the first turn starts at 0); positions after the last boundary, and rows
// without boundaries, get 0. The reference returns the same tensor as
// returns. Mask entries are compared with 1 exactly, as in the reference.
//
// Quirk kept by default: the F1 position is sum(mask)-1 (see
// FinalRewardPosition and Options.Corrected). A boundary whose normalised
// value is 0 still closes its turn (the reference passes the boundary mask).
//
// Paper: "Information Gain-based Policy Optimization: A Simple and Effective
// Approach for Multi-Turn LLM Agents" (Wang et al., arXiv:2510.14967).
// Reference: GuoqingWang1/IGPO@49a8c4ec025316a686fb639478a418abc472171c
// verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage
// (+ _compute_turn_level_advantage).
func GRPOTurnLevel(tokenLevelRewards, responseMask [][]float64, index []string, opts Options) ([][]float64, error) {
	const est = "igpo.grpo_turn_level"
	if len(responseMask) != len(tokenLevelRewards) {
		return nil, fmt.Errorf("%s: response_mask has %d rows, token_level_rewards has %d", est, len(responseMask), len(tokenLevelRewards))
	}
	if len(index) != len(tokenLevelRewards) {
		return nil, fmt.Errorf("%s: index has %d entries, token_level_rewards has %d rows", est, len(index), len(tokenLevelRewards))
	}
	if opts.Mode != Joint && opts.Mode != Separate {
		return nil, fmt.Errorf("%s: unknown normalisation mode %d", est, opts.Mode)
	}
	for _, x := range []float64{opts.Epsilon, opts.Gamma, opts.CurriculumF1Weight, opts.CurriculumIGWeight} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%s: epsilon, gamma and the curriculum weights must be finite", est)
		}
	}
	total := 0
	for i, r := range tokenLevelRewards {
		m := responseMask[i]
		if len(m) != len(r) {
			return nil, fmt.Errorf("%s: response_mask row %d has %d values, token_level_rewards has %d", est, i, len(m), len(r))
		}
		total += len(r)
	}
	g, ng := groups.Index(index)

	// Pass 1: select the boundaries of every row (one flat slice).
	bs := make([]boundary, 0, 4*len(tokenLevelRewards))
	start := make([]int, len(tokenLevelRewards)+1)
	for i, r := range tokenLevelRewards {
		m := responseMask[i]
		var msum float64
		for _, v := range m {
			msum += v
		}
		if math.IsNaN(msum) || math.IsInf(msum, 0) {
			return nil, fmt.Errorf("%s: response_mask row %d has a non-finite value", est, i)
		}
		f := FinalRewardPosition(m, opts.Corrected)
		for t, v := range r {
			if m[t] != 1 || (t != f && v == 0) {
				continue
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s: token_level_rewards row %d position %d is %v at a reward position", est, i, t, v)
			}
			if t == f {
				bs = append(bs, boundary{pos: t, f1: true, v: v * opts.CurriculumF1Weight})
			} else {
				bs = append(bs, boundary{pos: t, v: v * opts.CurriculumIGWeight})
			}
		}
		start[i+1] = len(bs)
	}

	// Pass 2: per (group, set) population statistics, then normalisation.
	sets := 1
	if opts.Mode == Separate {
		sets = 2
	}
	set := func(b *boundary) int {
		if sets == 2 && !b.f1 {
			return 1
		}
		return 0
	}
	ns := sets * ng
	buf := make([]float64, 3*ns)
	cnt, mean, sd := buf[:ns:ns], buf[ns:2*ns:2*ns], buf[2*ns:]
	for i := range tokenLevelRewards {
		for k := start[i]; k < start[i+1]; k++ {
			j := g[i]*sets + set(&bs[k])
			cnt[j]++
			mean[j] += bs[k].v
		}
	}
	for j := range mean {
		mean[j] /= math.Max(cnt[j], 1)
	}
	for i := range tokenLevelRewards {
		for k := start[i]; k < start[i+1]; k++ {
			j := g[i]*sets + set(&bs[k])
			d := bs[k].v - mean[j]
			sd[j] += d * d
		}
	}
	for j := range sd {
		if cnt[j] <= 1 {
			sd[j] = 1
		} else {
			sd[j] = math.Sqrt(sd[j]/cnt[j] + 1e-8)
		}
	}

	// Pass 3: normalise, accumulate backwards per row, broadcast per turn.
	flat := make([]float64, total)
	out := make([][]float64, len(tokenLevelRewards))
	off := 0
	for i, r := range tokenLevelRewards {
		o := flat[off : off+len(r) : off+len(r)]
		off += len(r)
		out[i] = o
		row := bs[start[i]:start[i+1]]
		next := 0.0
		for k := len(row) - 1; k >= 0; k-- {
			j := g[i]*sets + set(&row[k])
			n := row[k].v - mean[j]
			if opts.NormByStd {
				n /= sd[j] + opts.Epsilon
			}
			next = n + opts.Gamma*next
			row[k].v = next
		}
		m := responseMask[i]
		prev := 0
		for _, b := range row {
			for t := prev; t <= b.pos; t++ {
				if m[t] == 1 {
					o[t] = b.v
				}
			}
			prev = b.pos + 1
		}
	}
	return out, nil
}
