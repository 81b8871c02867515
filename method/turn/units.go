package turn

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/rollout"
)

// Span is the token range [Start, End) of one turn, utterance or action: rollout.Span, the
// module's one span type.
type Span = rollout.Span

// Norm selects the comparison set over which per-turn signals are
// normalised.
type Norm string

// Comparison sets.
const (
	// NormNone leaves the signal as it is.
	NormNone Norm = "none"
	// NormGroup normalises over all turns of the trajectories that share a
	// group id (verl's uid).
	NormGroup Norm = "group"
	// NormBatch normalises over all turns of the batch.
	NormBatch Norm = "batch"
)

// NormalizeSets standardises x within comparison sets:
//
//	out[u] = (x[u] − mean_S) / (std_S + eps)   (byStd)
//	out[u] =  x[u] − mean_S                    (!byStd)
//
// where S = set[u], mean_S is the set mean and std_S the UNBIASED (n−1)
// standard deviation of the set, as torch.std computes it. A set with one
// member gives 0 (unlike verl's GRPO, which keeps a singleton's raw score:
// a lone turn has nothing to be compared with); a set whose members are all
// equal gives 0, also with eps = 0. A unit with set[u] < 0 is left out of
// every set and gets 0.
//
// set holds set numbers in [0, nSets) or negative values; the result is
// freshly allocated.
func NormalizeSets(x []float64, set []int, nSets int, byStd bool, eps float64) ([]float64, error) {
	if len(set) != len(x) {
		return nil, fmt.Errorf("turn.NormalizeSets: set has %d entries, x has %d", len(set), len(x))
	}
	count := make([]int, nSets)
	mean := make([]float64, nSets)
	for u, s := range set {
		if s >= nSets {
			return nil, fmt.Errorf("turn.NormalizeSets: set[%d] = %d, want < %d", u, s, nSets)
		}
		if !arrays.Finite(x[u]) {
			return nil, fmt.Errorf("turn.NormalizeSets: x[%d] = %v is not finite", u, x[u])
		}
		if s < 0 {
			continue
		}
		count[s]++
		mean[s] += x[u]
	}
	for s, c := range count {
		if c > 0 {
			mean[s] /= float64(c)
		}
	}
	var std []float64
	if byStd {
		std = make([]float64, nSets)
		for u, s := range set {
			if s >= 0 {
				d := x[u] - mean[s]
				std[s] += d * d
			}
		}
		for s, c := range count {
			if c > 1 {
				std[s] = math.Sqrt(std[s] / float64(c-1))
			}
		}
	}
	out := make([]float64, len(x))
	for u, s := range set {
		if s < 0 || count[s] < 2 {
			continue
		}
		d := x[u] - mean[s]
		if byStd {
			if den := std[s] + eps; den != 0 {
				d /= den
			} else {
				d = 0 // all members equal and eps = 0
			}
		}
		out[u] = d
	}
	return out, nil
}

// TurnReturns computes the discounted reward-to-go of each turn of each row:
//
//	G[i][k] = r[i][k] + γ·G[i][k+1],   G[i][K_i] = 0.
//
// Rows may be ragged; the result is freshly allocated.
func TurnReturns(rewards [][]float64, gamma float64) ([][]float64, error) {
	if !arrays.Finite(gamma) {
		return nil, fmt.Errorf("turn.TurnReturns: gamma = %v must be finite", gamma)
	}
	out := make([][]float64, len(rewards))
	for i, r := range rewards {
		g := make([]float64, len(r))
		run := 0.0
		for k := len(r) - 1; k >= 0; k-- {
			if !arrays.Finite(r[k]) {
				return nil, fmt.Errorf("turn.TurnReturns: rewards row %d turn %d = %v is not finite", i, k, r[k])
			}
			run = r[k] + gamma*run
			g[k] = run
		}
		out[i] = g
	}
	return out, nil
}

// ReturnOptions configure ReturnCredit.
type ReturnOptions struct {
	// Gamma discounts rewards across turns (default 1).
	Gamma float64
	// Norm is the comparison set of the returns (default NormBatch).
	Norm Norm
	// NormByStd divides by the set's standard deviation (default true).
	NormByStd bool
	// Epsilon is added to the standard deviation (default 1e-6).
	Epsilon float64
}

// DefaultReturnOptions returns Gamma 1, NormBatch, NormByStd, Epsilon 1e-6.
func DefaultReturnOptions() ReturnOptions {
	return ReturnOptions{Gamma: 1, Norm: NormBatch, NormByStd: true, Epsilon: 1e-6}
}

// ReturnCredit turns per-turn rewards into per-turn credit: the discounted
// reward-to-go G (TurnReturns), standardised over the chosen comparison set
// (NormalizeSets; every turn counts once, so long trajectories weigh more in
// the batch statistics):
//
//	A[i][k] = (G[i][k] − mean_S) / (std_S + eps),  S = all turns of the batch
//	          (NormBatch), of row i's group (NormGroup); A = G for NormNone.
//
// group holds dense group numbers per row in [0, nGroups) (needed only for
// NormGroup; may be nil otherwise). It returns the credit and the returns G.
// This is the shared back end of CALM and LaRe, whose papers feed the
// shaped / redistributed rewards to an unspecified RL algorithm.
func ReturnCredit(rewards [][]float64, group []int, nGroups int, opt ReturnOptions) (adv, ret [][]float64, err error) {
	ret, err = TurnReturns(rewards, opt.Gamma)
	if err != nil {
		return nil, nil, err
	}
	adv, err = normalizeRows(ret, group, nGroups, opt.Norm, opt.NormByStd, opt.Epsilon)
	if err != nil {
		return nil, nil, err
	}
	return adv, ret, nil
}

// normalizeRows applies NormalizeSets to ragged per-turn rows, with the
// comparison set given by norm.
func normalizeRows(x [][]float64, group []int, nGroups int, norm Norm, byStd bool, eps float64) ([][]float64, error) {
	out := make([][]float64, len(x))
	if norm == NormNone {
		for i, r := range x {
			out[i] = append([]float64(nil), r...)
		}
		return out, nil
	}
	if norm != NormGroup && norm != NormBatch {
		return nil, fmt.Errorf("turn: unknown normalisation %q (want none, group or batch)", norm)
	}
	if norm == NormGroup && len(group) != len(x) {
		return nil, fmt.Errorf("turn: group has %d entries, want one per row (%d)", len(group), len(x))
	}
	n := 0
	for _, r := range x {
		n += len(r)
	}
	flat := make([]float64, 0, n)
	set := make([]int, 0, n)
	nSets := 1
	if norm == NormGroup {
		nSets = nGroups
	}
	for i, r := range x {
		s := 0
		if norm == NormGroup {
			s = group[i]
			if s < 0 || s >= nGroups {
				return nil, fmt.Errorf("turn: group[%d] = %d, want a group number in [0, %d)", i, s, nGroups)
			}
		}
		for _, v := range r {
			flat = append(flat, v)
			set = append(set, s)
		}
	}
	z, err := NormalizeSets(flat, set, nSets, byStd, eps)
	if err != nil {
		return nil, err
	}
	pos := 0
	for i, r := range x {
		out[i] = z[pos : pos+len(r) : pos+len(r)]
		pos += len(r)
	}
	return out, nil
}

// checkSpans verifies that spans lie inside n tokens, in order, without
// overlap (row < 0: a single-row call, no row in the message).
func checkSpans(name string, row int, spans []Span, n int) error {
	prev := 0
	where := ""
	if row >= 0 {
		where = fmt.Sprintf(" row %d", row)
	}
	for k, s := range spans {
		if s.Start < prev || s.End < s.Start || s.End > n {
			return fmt.Errorf("%s:%s span %d [%d, %d) is not inside [%d, %d) or overlaps the previous span", name, where, k, s.Start, s.End, prev, n)
		}
		prev = s.End
	}
	return nil
}
