package group

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/rollout"
)

// KnapsackInfoGain is Knapsack RL's expected improvement of a prompt with
// success rate p, InfoGain(p) = p·(1-p)² (the catalogue's reading of the
// paper, via a summary page).
func KnapsackInfoGain(p float64) float64 { return p * (1 - p) * (1 - p) }

// ProbNonZeroGradient is the probability that a group of n rollouts of a
// prompt with success rate p holds both a success and a failure, so that
// its GRPO gradient is not zero: 1 - p^n - (1-p)^n (0 for n <= 1).
func ProbNonZeroGradient(n int, p float64) float64 {
	if n <= 1 {
		return 0
	}
	return 1 - math.Pow(p, float64(n)) - math.Pow(1-p, float64(n))
}

// KnapsackValue is the value of giving n rollouts to a prompt with success
// rate p: P(non-zero gradient) × InfoGain(p).
func KnapsackValue(n int, p float64) float64 { return ProbNonZeroGradient(n, p) * KnapsackInfoGain(p) }

// KnapsackOptions are the constraints of Knapsack RL's allocation.
type KnapsackOptions struct {
	// Budget is the total number of rollouts B; MinN and MaxN bound each
	// prompt's group size (the paper's bounds are not given; it reports
	// budgets up to 93 on hard prompts).
	Budget, MinN, MaxN int
	// Fallback breaks ties in the total value toward giving the spare
	// budget to unsolved prompts (p̂ = 0), whose value is 0 under the
	// formula (the paper's fallback strategy; default true).
	Fallback bool
	// Value is the item value; nil means KnapsackValue.
	Value func(n int, p float64) float64
}

// KnapsackAllocate returns the group size N_i of every prompt that
//
//	maximises Σ_i Value(N_i, p̂_i)   subject to Σ_i N_i = Budget, MinN <= N_i <= MaxN
//
// solved exactly by dynamic programming over the budget (a multiple-choice
// knapsack: each prompt is a class whose items are its possible sizes), in
// O(P · (Budget - P·MinN) · (MaxN - MinN + 1)) time. Ties in the total
// value are broken, when opt.Fallback is set, toward more rollouts on
// prompts with p̂ = 0; remaining ties give the spare rollouts to the
// earlier prompts. p must hold success estimates in [0, 1].
//
// Paper: "Knapsack RL: Unlocking Exploration of LLMs via Optimizing Budget
// Allocation" (arXiv:2509.25849), methods.md #41. No official code.
func KnapsackAllocate(p []float64, opt KnapsackOptions) ([]int, error) {
	const est = "knapsack"
	P := len(p)
	for i, x := range p {
		if !(x >= 0 && x <= 1) {
			return nil, fmt.Errorf("%s: p_hat[%d] is %v, want a success rate in [0, 1]", est, i, x)
		}
	}
	if opt.MinN < 0 || opt.MaxN < opt.MinN {
		return nil, fmt.Errorf("%s: bounds [%d, %d], want 0 <= min_n <= max_n", est, opt.MinN, opt.MaxN)
	}
	if opt.MaxN-opt.MinN >= math.MaxUint16 {
		return nil, fmt.Errorf("%s: bounds [%d, %d] are more than %d apart", est, opt.MinN, opt.MaxN, math.MaxUint16-1)
	}
	if P == 0 {
		if opt.Budget != 0 {
			return nil, fmt.Errorf("%s: budget %d but no prompts", est, opt.Budget)
		}
		return []int{}, nil
	}
	R := opt.Budget - P*opt.MinN
	W := opt.MaxN - opt.MinN + 1
	if R < 0 || R > P*(W-1) {
		return nil, fmt.Errorf("%s: budget %d cannot be split over %d prompts with %d..%d rollouts each (need %d..%d)",
			est, opt.Budget, P, opt.MinN, opt.MaxN, P*opt.MinN, P*opt.MaxN)
	}
	value := opt.Value
	if value == nil {
		value = KnapsackValue
	}
	negInf := math.Inf(-1)
	prevV := make([]float64, R+1)
	prevF := make([]float64, R+1)
	curV := make([]float64, R+1)
	curF := make([]float64, R+1)
	for r := 1; r <= R; r++ {
		prevV[r] = negInf
	}
	choice := make([]uint16, P*(R+1))
	vals := make([]float64, W)
	maxE := W - 1
	for i, pi := range p {
		for e := range vals {
			v := value(opt.MinN+e, pi)
			if !arrays.Finite(v) {
				return nil, fmt.Errorf("%s: value(%d, %v) is %v, want a finite number", est, opt.MinN+e, pi, v)
			}
			vals[e] = v
		}
		fb := 0.0
		if opt.Fallback && pi == 0 {
			fb = 1
		}
		ch := choice[i*(R+1) : (i+1)*(R+1)]
		for r := 0; r <= R; r++ {
			bestV, bestF, bestE := negInf, 0.0, 0
			top := min(maxE, r)
			for e := 0; e <= top; e++ {
				pv := prevV[r-e]
				if pv == negInf {
					continue
				}
				v := pv + vals[e]
				f := prevF[r-e] + fb*float64(e)
				if v > bestV || (v == bestV && f > bestF) {
					bestV, bestF, bestE = v, f, e
				}
			}
			curV[r], curF[r] = bestV, bestF
			ch[r] = uint16(bestE)
		}
		prevV, curV = curV, prevV
		prevF, curF = curF, prevF
	}
	if prevV[R] == negInf {
		return nil, fmt.Errorf("%s: no feasible allocation of budget %d", est, opt.Budget)
	}
	n := make([]int, P)
	r := R
	for i := P - 1; i >= 0; i-- {
		e := int(choice[i*(R+1)+r])
		n[i] = opt.MinN + e
		r -= e
	}
	return n, nil
}

// KnapsackObjective returns Σ_i value(n_i, p_i) (value nil = KnapsackValue).
func KnapsackObjective(p []float64, n []int, value func(int, float64) float64) (float64, error) {
	if len(n) != len(p) {
		return 0, fmt.Errorf("knapsack: %d group sizes for %d prompts", len(n), len(p))
	}
	if value == nil {
		value = KnapsackValue
	}
	s := 0.0
	for i, x := range p {
		s += value(n[i], x)
	}
	return s, nil
}

// UniformAllocation splits budget over P prompts as evenly as possible
// (the first budget mod P prompts get one more), the homogeneous baseline
// Knapsack RL is compared with. It fails when that split breaks the bounds.
func UniformAllocation(P, budget, minN, maxN int) ([]int, error) {
	if P <= 0 {
		return nil, fmt.Errorf("knapsack: %d prompts, want at least 1", P)
	}
	if budget < 0 {
		return nil, fmt.Errorf("knapsack: budget %d, want >= 0", budget)
	}
	n := make([]int, P)
	q, rem := budget/P, budget%P
	for i := range n {
		n[i] = q
		if i < rem {
			n[i]++
		}
		if n[i] < minN || n[i] > maxN {
			return nil, fmt.Errorf("knapsack: uniform split of %d over %d prompts gives %d, outside [%d, %d]", budget, P, n[i], minN, maxN)
		}
	}
	return n, nil
}

// ExpectedEffectiveRatio is the metric Knapsack RL improves: the expected
// share of groups whose GRPO gradient is not zero,
//
//	(1/P) Σ_i [1 - p_i^{N_i} - (1-p_i)^{N_i}]
//
// for success rates p and group sizes n.
func ExpectedEffectiveRatio(p []float64, n []int) (float64, error) {
	if len(n) != len(p) {
		return 0, fmt.Errorf("knapsack: %d group sizes for %d prompts", len(n), len(p))
	}
	if len(p) == 0 {
		return 0, nil
	}
	s := 0.0
	for i, x := range p {
		s += ProbNonZeroGradient(n[i], x)
	}
	return s / float64(len(p)), nil
}

// ObservedEffectiveRatio is the observed share of groups whose scores are
// not all equal, i.e. whose group-normalised advantages are not all zero
// (the paper's "effective gradient ratio").
func ObservedEffectiveRatio(scores []float64, index []string) (float64, error) {
	const est = "knapsack"
	g, n, err := denseIndex(est, index, "scores", len(scores))
	if err != nil {
		return 0, err
	}
	if err := checkFinite(est, "scores", scores); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	first := make([]float64, n)
	seen := make([]bool, n)
	varied := make([]bool, n)
	for i, s := range scores {
		k := g[i]
		if !seen[k] {
			seen[k], first[k] = true, s
		} else if s != first[k] {
			varied[k] = true
		}
	}
	c := 0
	for _, v := range varied {
		if v {
			c++
		}
	}
	return float64(c) / float64(n), nil
}

// SuccessRates returns, per group in order of first appearance, its id
// and the share of its rows whose outcome is >= threshold.
func SuccessRates(outcome []float64, index []string, threshold float64) (ids []string, rate []float64, count []int, err error) {
	const est = "knapsack"
	g, n, err := denseIndex(est, index, "outcome", len(outcome))
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkFinite(est, "outcome", outcome); err != nil {
		return nil, nil, nil, err
	}
	ids = make([]string, n)
	succ := make([]float64, len(outcome))
	for i, o := range outcome {
		ids[g[i]] = index[i]
		if o >= threshold {
			succ[i] = 1
		}
	}
	rate, count = groupMeans(succ, g, n)
	return ids, rate, count, nil
}

// knapsackStep is one call of knapsack.grpo. Each group gets the base
// method's credit at once; the per-prompt success counts and the count of
// groups with non-equal outcomes are accumulated over the whole call, and
// End folds them into the state once: p̂ per prompt from the call's success
// rate (one EMA update per call), the rollouts seen, and the effective ratio
// of the call's batch. Counts are integers, so the rates are the same
// divisions as on the whole batch.
type knapsackStep struct {
	v          credit.Values
	st         *credit.State
	ema        float64
	keys       []string // prompt keys in order of first appearance
	succ, seen map[string]int
	groups     map[string]bool // group id -> outcomes varied
	groupOrder []string
}

func beginKnapsack(v credit.Values, st *credit.State) (credit.Step, error) {
	if err := checkKeySpec("prompt_key", pKnapsackPromptKey.Get(v)); err != nil {
		return nil, err
	}
	ema := pKnapsackEma.Get(v)
	if !(ema >= 0 && ema < 1) {
		return nil, fmt.Errorf("parameter ema is %v, want 0 <= ema < 1", ema)
	}
	if _, _, err := credit.BaseValues(KnapsackMethod, v, credit.Values{credit.Reward.Name: credit.Reward.Get(v)}); err != nil {
		return nil, err
	}
	return &knapsackStep{v: v, st: st, ema: ema, succ: map[string]int{}, seen: map[string]int{}, groups: map[string]bool{}}, nil
}

func (s *knapsackStep) Group(b *rollout.Batch) error {
	v := s.v
	m, bv, err := credit.BaseValues(KnapsackMethod, v, credit.Values{credit.Reward.Name: credit.Reward.Get(v)})
	if err != nil {
		return err
	}
	if err := m.Assign(b, bv); err != nil {
		return fmt.Errorf("base method: %w", err)
	}
	o, err := credit.Outcomes(b, credit.Reward.Get(v))
	if err != nil {
		return err
	}
	if err := checkFinite("knapsack", "outcome", o); err != nil {
		return err
	}
	thr := pThresh.Get(v)
	first := map[string]float64{}
	for i, t := range b.Trajectories {
		k, _ := keyOf(t, pKnapsackPromptKey.Get(v))
		if _, ok := s.seen[k]; !ok {
			s.keys = append(s.keys, k)
		}
		s.seen[k]++
		if o[i] >= thr {
			s.succ[k]++
		}
		g := t.Group
		f, ok := first[g]
		if _, known := s.groups[g]; !known {
			s.groups[g] = false
			s.groupOrder = append(s.groupOrder, g)
		}
		if !ok {
			first[g] = o[i]
		} else if o[i] != f {
			s.groups[g] = true
		}
	}
	return nil
}

func (s *knapsackStep) End() error {
	pHat := map[string]float64{}
	seen := map[string]int{}
	if _, err := s.st.Get("p_hat", &pHat); err != nil {
		return err
	}
	if _, err := s.st.Get("rollouts", &seen); err != nil {
		return err
	}
	for _, id := range s.keys {
		rate := float64(s.succ[id]) / float64(s.seen[id])
		if old, ok := pHat[id]; ok && s.ema > 0 {
			pHat[id] = s.ema*old + (1-s.ema)*rate
		} else {
			pHat[id] = rate
		}
		seen[id] += s.seen[id]
	}
	eff := 0.0
	if n := len(s.groupOrder); n > 0 {
		c := 0
		for _, g := range s.groupOrder {
			if s.groups[g] {
				c++
			}
		}
		eff = float64(c) / float64(n)
	}
	if err := s.st.Put("p_hat", pHat); err != nil {
		return err
	}
	if err := s.st.Put("rollouts", seen); err != nil {
		return err
	}
	return s.st.Put("effective_ratio", eff)
}
