package verlagent

import (
	"fmt"
	"unicode/utf8"

	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/internal/groups"
)

// StepDiscountedReturns computes GiGPO's per-step discounted returns (Eq. 5
// of the paper): for each trajectory, over its rows taken IN BATCH ORDER,
//
//	R_t = r_t + γ R_{t+1},   R after the trajectory's last row = 0.
//
// rewards holds one environment reward per step row and trajUID the
// trajectory of each row; rows of a trajectory need not be contiguous. The
// reference keeps the running sum in float64 (NumPy 1.x scalar promotion)
// and only rounds the stored values to float32; this function returns the
// float64 values.
//
// Paper: GiGPO, "Group-in-Group Policy Optimization for LLM Agent Training"
// (Feng et al., arXiv:2505.10978).
// Reference: xlan156/verl-agent@8ca3a467ba4fc21eb4969a2e2b1097323ca09a53
// gigpo/core_gigpo.py::compute_step_discounted_returns.
func StepDiscountedReturns(rewards []float64, trajUID []string, gamma float64) ([]float64, error) {
	const est = "verl_agent.step_discounted_returns"
	if len(trajUID) != len(rewards) {
		return nil, fmt.Errorf("%s: traj_uid has %d entries, rewards has %d", est, len(trajUID), len(rewards))
	}
	if !arrays.Finite(gamma) {
		return nil, fmt.Errorf("%s: gamma is %v, want a finite number", est, gamma)
	}
	for i, r := range rewards {
		if !arrays.Finite(r) {
			return nil, fmt.Errorf("%s: rewards[%d] is %v, want a finite number", est, i, r)
		}
	}
	tr, nt := groups.Index(trajUID)
	run := make([]float64, nt)
	out := make([]float64, len(rewards))
	for i := len(rewards) - 1; i >= 0; i-- {
		k := tr[i]
		run[k] = rewards[i] + gamma*run[k]
		out[i] = run[k]
	}
	return out, nil
}

// AnchorGroups clusters step rows into GiGPO's anchor-state groups by exact
// equality: two rows share a group iff they have the same prompt group id
// (index) and the same anchor observation key. Each row's key is hashed
// once. Groups are numbered densely in order of first appearance.
//
// Keys are opaque: the reference compares to_hashable(obs), so callers must
// render structured observations (lists, arrays, dicts) canonically and in a
// way that cannot collide with a plain string observation.
//
// Reference: xlan156/verl-agent@8ca3a467ba4fc21eb4969a2e2b1097323ca09a53
// gigpo/core_gigpo.py::build_step_group (enable_similarity=False).
func AnchorGroups(anchorObs, index []string) (stepGroup []int, n int, err error) {
	if len(anchorObs) != len(index) {
		return nil, 0, fmt.Errorf("verl_agent.gigpo: anchor_obs has %d entries, index has %d", len(anchorObs), len(index))
	}
	g, _ := groups.Index(index)
	type key struct {
		g   int
		obs string
	}
	seen := make(map[key]int, len(g))
	stepGroup = make([]int, len(g))
	for i, k := range g {
		id, ok := seen[key{k, anchorObs[i]}]
		if !ok {
			id = len(seen)
			seen[key{k, anchorObs[i]}] = id
		}
		stepGroup[i] = id
	}
	return stepGroup, len(seen), nil
}

// SimilarAnchorGroups clusters step rows into anchor-state groups by text
// similarity, GiGPO's enable_similarity mode: within each prompt group,
// rows are visited in batch order and each joins the FIRST existing cluster
// whose representative (the cluster's first observation) satisfies
// SequenceRatio(obs, rep) >= thresh, or founds a new cluster. Groups are
// numbered densely in order of first appearance. thresh must lie in (0, 1),
// as the reference asserts. The cost is O(rows × clusters) ratio
// computations per prompt group.
//
// Reference: xlan156/verl-agent@8ca3a467ba4fc21eb4969a2e2b1097323ca09a53
// gigpo/core_gigpo.py::build_step_group + are_similar (difflib).
func SimilarAnchorGroups(anchorObs, index []string, thresh float64) (stepGroup []int, n int, err error) {
	if len(anchorObs) != len(index) {
		return nil, 0, fmt.Errorf("verl_agent.gigpo: anchor_obs has %d entries, index has %d", len(anchorObs), len(index))
	}
	if !(thresh > 0 && thresh < 1) {
		return nil, 0, fmt.Errorf("verl_agent.gigpo: similarity_thresh is %v, want a value in (0, 1)", thresh)
	}
	g, ng := groups.Index(index)
	type cluster struct {
		id   int
		rep  string
		nrep int // code points of rep
		m    *seqB
	}
	byGroup := make([][]cluster, ng)
	stepGroup = make([]int, len(g))
	for i, k := range g {
		obs := anchorObs[i]
		na := utf8.RuneCountInString(obs)
		var a []rune
		placed := -1
		cs := byGroup[k]
		for c := range cs {
			cl := &cs[c]
			if obs == cl.rep {
				// identical texts: difflib's first longest match lies on
				// the diagonal and extends over popular elements, so the
				// ratio is exactly 1 >= thresh
				placed = cl.id
				break
			}
			if l := na + cl.nrep; l > 0 && 2.0*float64(min(na, cl.nrep))/float64(l) < thresh {
				continue // upper bound (real_quick_ratio) already below
			}
			if a == nil {
				a = []rune(obs)
			}
			if cl.m == nil {
				cl.m = newSeqB([]rune(cl.rep))
			}
			if cl.m.ratio(a) >= thresh {
				placed = cl.id
				break
			}
		}
		if placed < 0 {
			placed = n
			n++
			byGroup[k] = append(cs, cluster{id: placed, rep: obs, nrep: na})
		}
		stepGroup[i] = placed
	}
	return stepGroup, n, nil
}

// GiGPOMode selects the normalisation of both GiGPO advantage parts.
type GiGPOMode int

const (
	// MeanNorm: A = x - mean (the reference's mode "mean_norm", default).
	MeanNorm GiGPOMode = iota
	// MeanStdNorm: A = (x - mean)/(std + ε) (mode "mean_std_norm").
	MeanStdNorm
)

// GiGPOOptions are the hyper-parameters of GiGPO. The zero value is not the
// reference default; start from DefaultGiGPOOptions.
type GiGPOOptions struct {
	// Epsilon is added to standard deviations (default 1e-6).
	Epsilon float64
	// StepAdvantageW is ω in A = A^E + ω A^S (default 1.0).
	StepAdvantageW float64
	// Mode is the normalisation (default MeanNorm, the reference function's
	// default; verl-agent's ALFWorld example uses MeanStdNorm).
	Mode GiGPOMode
	// EnableSimilarity clusters anchor observations by difflib similarity
	// instead of exact equality (default false); see SimilarAnchorGroups.
	EnableSimilarity bool
	// SimilarityThresh is the similarity threshold (default 0.95).
	SimilarityThresh float64
	// CrossSteps: see GRPOOptions.CrossSteps. The reference hard-wires true
	// for GiGPO's episode part (default true); false de-duplicates by
	// (index, trajIndex).
	CrossSteps bool
}

// DefaultGiGPOOptions returns the reference defaults: Epsilon 1e-6,
// StepAdvantageW 1, MeanNorm, no similarity (threshold 0.95), CrossSteps.
func DefaultGiGPOOptions() GiGPOOptions {
	return GiGPOOptions{Epsilon: 1e-6, StepAdvantageW: 1, Mode: MeanNorm, SimilarityThresh: 0.95, CrossSteps: true}
}

// GiGPO computes the Group-in-Group advantage A = A^E + ω A^S over step rows.
//
// Episode part (Eq. 3): s_i = Σ_t tokenLevelRewards[i][t] (all positions);
// per prompt group (index) over the collected rows (every step row by
// default, see CrossSteps): mean μ and unbiased std σ (torch.std), μ=0, σ=1
// for a group with one entry; A^E_i = s_i - μ (MeanNorm) or
// (s_i - μ)/(σ + ε) (MeanStdNorm).
//
// Step part (Eqs. 6-7): rows are grouped into anchor-state groups within
// each prompt group (AnchorGroups, or SimilarAnchorGroups when
// EnableSimilarity); over the stepRewards (the discounted step returns, see
// StepDiscountedReturns) of each anchor group: A^S_i = R_i - μ or
// (R_i - μ)/(σ + ε). A singleton anchor group uses μ = its own value, so
// A^S = 0 (unlike the episode part's μ=0 rule).
//
// Result (Eq. 8): advantages[i][t] = (A^E_i + ω A^S_i) * responseMask[i][t];
// the reference returns the same tensor as returns.
//
// anchorObs are compared as opaque keys in exact mode and as text in
// similarity mode (see AnchorGroups for the rendering of structured
// observations; the reference rejects non-text observations when
// similarity is enabled).
//
// Paper: GiGPO, "Group-in-Group Policy Optimization for LLM Agent Training"
// (Feng et al., arXiv:2505.10978).
// Reference: xlan156/verl-agent@8ca3a467ba4fc21eb4969a2e2b1097323ca09a53
// gigpo/core_gigpo.py::compute_gigpo_outcome_advantage (episode_norm_reward,
// build_step_group, step_norm_reward).
func GiGPO(tokenLevelRewards [][]float64, stepRewards []float64, responseMask [][]float64, anchorObs, index, trajIndex []string, opts GiGPOOptions) ([][]float64, error) {
	if err := checkGiGPO(tokenLevelRewards, stepRewards, responseMask, index, trajIndex, opts); err != nil {
		return nil, err
	}
	if len(anchorObs) != len(tokenLevelRewards) {
		return nil, fmt.Errorf("verl_agent.gigpo: anchor_obs has %d entries, token_level_rewards has %d rows", len(anchorObs), len(tokenLevelRewards))
	}
	var sg []int
	var n int
	var err error
	if opts.EnableSimilarity {
		sg, n, err = SimilarAnchorGroups(anchorObs, index, opts.SimilarityThresh)
	} else {
		sg, n, err = AnchorGroups(anchorObs, index)
	}
	if err != nil {
		return nil, err
	}
	return gigpo(tokenLevelRewards, stepRewards, responseMask, index, trajIndex, sg, n, opts)
}

// GiGPOFromGroups is GiGPO with precomputed anchor-state groups: stepGroup[i]
// is a dense non-negative group number per row (as returned by AnchorGroups
// or SimilarAnchorGroups). The EnableSimilarity and SimilarityThresh options
// are ignored.
func GiGPOFromGroups(tokenLevelRewards [][]float64, stepRewards []float64, responseMask [][]float64, index, trajIndex []string, stepGroup []int, opts GiGPOOptions) ([][]float64, error) {
	if err := checkGiGPO(tokenLevelRewards, stepRewards, responseMask, index, trajIndex, opts); err != nil {
		return nil, err
	}
	if len(stepGroup) != len(tokenLevelRewards) {
		return nil, fmt.Errorf("verl_agent.gigpo: step groups have %d entries, token_level_rewards has %d rows", len(stepGroup), len(tokenLevelRewards))
	}
	n := 0
	for i, k := range stepGroup {
		if k < 0 || k >= len(stepGroup) {
			return nil, fmt.Errorf("verl_agent.gigpo: step group of row %d is %d, want a dense number in [0, %d)", i, k, len(stepGroup))
		}
		n = max(n, k+1)
	}
	return gigpo(tokenLevelRewards, stepRewards, responseMask, index, trajIndex, stepGroup, n, opts)
}

func checkGiGPO(tokenLevelRewards [][]float64, stepRewards []float64, responseMask [][]float64, index, trajIndex []string, opts GiGPOOptions) error {
	const est = "verl_agent.gigpo"
	if err := checkRows(est, tokenLevelRewards, responseMask, namedIDs{"index", index}, namedIDs{"traj_index", trajIndex}); err != nil {
		return err
	}
	if len(stepRewards) != len(tokenLevelRewards) {
		return fmt.Errorf("%s: step_rewards has %d entries, token_level_rewards has %d rows", est, len(stepRewards), len(tokenLevelRewards))
	}
	for i, r := range stepRewards {
		if !arrays.Finite(r) {
			return fmt.Errorf("%s: step_rewards[%d] is %v, want a finite number", est, i, r)
		}
	}
	if opts.Mode != MeanNorm && opts.Mode != MeanStdNorm {
		return fmt.Errorf("%s: unknown mode %d, want MeanNorm or MeanStdNorm", est, opts.Mode)
	}
	if !arrays.Finite(opts.StepAdvantageW) || !arrays.Finite(opts.Epsilon) {
		return fmt.Errorf("%s: step_advantage_w and epsilon must be finite", est)
	}
	return nil
}

func gigpo(tokenLevelRewards [][]float64, stepRewards []float64, responseMask [][]float64, index, trajIndex []string, sg []int, nsg int, opts GiGPOOptions) ([][]float64, error) {
	const est = "verl_agent.gigpo"
	s, err := rowScores(est, tokenLevelRewards)
	if err != nil {
		return nil, err
	}
	std := opts.Mode == MeanStdNorm
	g, ng := groups.Index(index)
	ep := meanStd(s, g, ng, contributing(g, trajIndex, opts.CrossSteps))
	st := meanStd(stepRewards, sg, nsg, nil)
	for i, k := range g {
		mean, sd := ep.mean[k], ep.std[k]
		if ep.n[k] == 1 {
			mean, sd = 0, 1
		}
		ae := s[i] - mean
		if std {
			ae /= sd + opts.Epsilon
		}
		var as float64
		if j := sg[i]; st.n[j] > 1 {
			as = stepRewards[i] - st.mean[j]
			if std {
				as /= st.std[j] + opts.Epsilon
			}
		} // singleton anchor group: mean = own value, A^S = 0
		s[i] = ae + opts.StepAdvantageW*as
	}
	out := newLike(responseMask)
	if err := broadcast(est, out, s, responseMask); err != nil {
		return nil, err
	}
	return out, nil
}
