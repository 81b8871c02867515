package tree

import (
	"fmt"
	"math"
	"slices"

	"github.com/credo-rl/credo/anchor/spo"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/internal/groups"
	"github.com/credo-rl/credo/rollout"
)

// ChainPlanOptions configure SPO-chain's cutpoints and Monte Carlo probes.
type ChainPlanOptions struct {
	// ProbThreshold: tokens with probability below it are uncertain and get
	// a cutpoint before them; tokens above it are masked (reference: 0.9,
	// hard-coded).
	ProbThreshold float64
	// Interval keeps every Interval-th cutpoint (cutpoint_interval,
	// reference default 5).
	Interval int
	// Samples is the number of MC continuations per cutpoint (reference
	// MATH config: 9).
	Samples int
}

// DefaultChainPlanOptions returns the reference's settings: threshold 0.9,
// interval 5, 9 samples.
func DefaultChainPlanOptions() ChainPlanOptions {
	return ChainPlanOptions{ProbThreshold: 0.9, Interval: 5, Samples: 9}
}

// ProbeRequest asks for Monte Carlo continuations of one prefix: the
// group's prompt followed by the first Prefix response tokens of
// trajectory Trajectory.
type ProbeRequest struct {
	// Trajectory is the traj_uid of the first trajectory (in batch order)
	// that has this prefix; Row is its index in the batch.
	Trajectory string
	Row        int
	// Group is the prompt group (uid).
	Group string
	// Prefix is the number of response tokens kept (cutpoint + 1); 0 means
	// the prompt alone (the query state).
	Prefix int
	// Samples is the number of continuations to sample.
	Samples int
	// Rows lists every trajectory (batch index) whose cutpoint this prefix
	// is; identical prefixes within a group are requested once, as the
	// reference de-duplicates identical queries.
	Rows []int
}

// PlanChainProbes lists the Monte Carlo probes SPO-chain needs for a batch:
// for every trajectory that is not a probe and has no step carrying an MC
// value under valueKey (those are used as given), its cutpoints
// (ChainCutpoints over old_log_probs), one request per distinct (group,
// prefix). The caller samples Samples continuations of each request, scores
// them, and appends each as a trajectory with probe = true, uid = Group,
// parent = {traj_uid: Trajectory, token: Prefix} and its score in
// rewards.<reward>; the "spo.chain" method (ChainBatch) then averages them
// into V(prefix). Requests come in batch order, by cutpoint.
//
// Errors: a planned trajectory without old_log_probs, invalid options.
//
// Paper: Guo et al., arXiv:2505.23564 (SPO-chain, #3).
// Reference: AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025
// src/treetune/episode_generators/math_episode_generator_with_mc_advantages.py::MathEpisodeGeneratorWithMCAdvantages._create_value_estimation_requests
// (cutpoints, one request per distinct query; K = the value-estimation
// strategy's samples).
func PlanChainProbes(b *rollout.Batch, valueKey string, opt ChainPlanOptions) ([]ProbeRequest, error) {
	const fn = "spo.plan_chain_probes"
	if opt.Samples < 1 {
		return nil, fmt.Errorf("%s: samples must be >= 1, got %d", fn, opt.Samples)
	}
	var reqs []ProbeRequest
	key := map[[3]int]int{} // (group, trie node, prefix) -> request
	var path []int
	err := eachBatchGroup(b, func(gi int, rows []int, tr *Trie) error {
		for k, i := range rows {
			t := b.Trajectories[i]
			if hasStepValues(t, valueKey) {
				continue
			}
			if t.OldLogProbs == nil {
				return fmt.Errorf("%s: trajectory %d (traj_uid %q) has no old_log_probs to select cutpoints from", fn, i, t.ID)
			}
			cuts, err := ChainCutpoints(t.OldLogProbs, opt.ProbThreshold, opt.Interval)
			if err != nil {
				return fmt.Errorf("%s: trajectory %d (traj_uid %q): %w", fn, i, t.ID, err)
			}
			path = tr.Path(k, path)
			for _, c := range cuts {
				kk := [3]int{gi, tr.NodeAt(path, c+1), c + 1}
				if r, ok := key[kk]; ok {
					reqs[r].Rows = append(reqs[r].Rows, i)
					continue
				}
				key[kk] = len(reqs)
				reqs = append(reqs, ProbeRequest{Trajectory: t.ID, Row: i, Group: t.Group, Prefix: c + 1, Samples: opt.Samples, Rows: []int{i}})
			}
		}
		return nil
	})
	return reqs, err
}

// ChainBatchOptions configure ChainBatch.
type ChainBatchOptions struct {
	Plan ChainPlanOptions
	// Reward is the outcome channel of trajectories and probes (default
	// "outcome"); without it the sum of token_level_rewards is used.
	Reward string
	// ValueKey is the step value channel of given MC values (default "mc").
	ValueKey string
	// InitFeature names the feature holding the query state's MC value for
	// trajectories with given step values (default "mc_init").
	InitFeature string
}

// DefaultChainBatchOptions returns the reference's cutpoint settings with
// the channels "outcome", "mc" and "mc_init".
func DefaultChainBatchOptions() ChainBatchOptions {
	return ChainBatchOptions{Plan: DefaultChainPlanOptions(), Reward: rollout.DefaultReward, ValueKey: "mc", InitFeature: "mc_init"}
}

// ChainResult holds ChainBatch's per-token outputs, one row per trajectory
// of the batch.
type ChainResult struct {
	// Advantages are SPO-chain's token advantages (0 for probes).
	Advantages [][]float64
	// Train is SPO's probability mask for the loss: 1 where the token's
	// probability is below the threshold, 0 elsewhere and for probes (the
	// trainer's action_mask &= p < 0.9). All ones when the threshold is
	// >= 1.
	Train [][]float64
}

// ChainBatch computes SPO-chain advantages for a batch. For each trajectory
// that is not a probe:
//
//   - with steps carrying values[ValueKey]: every such step is a cutpoint at
//     its last token (End−1) with that MC value, and features[InitFeature],
//     when present, the query state's value (cutpoint −1);
//   - otherwise: the cutpoints are ChainCutpoints(old_log_probs) and the
//     value of cutpoint c is the mean outcome of the probe trajectories
//     whose parent prefix (in the same group) equals this trajectory's
//     first c+1 tokens (probes planned for another trajectory with the same
//     prefix are shared, as in the reference); a cutpoint without probes is
//     an error.
//
// Then anchor/spo.ChainTokenAdvantages gives the advantages: each segment's
// value difference on its tokens, 0 on tokens with p > threshold (p =
// exp(old_log_probs)); a trajectory without any cutpoint gets 0 everywhere.
// The score of the last token is the trajectory's outcome.
//
// Paper: Guo et al., arXiv:2505.23564 (SPO-chain, #3).
// Reference: AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025
// src/treetune/episode_generators/math_episode_generator_with_mc_advantages.py::MathEpisodeGeneratorWithMCAdvantages
// (_create_value_estimation_requests, _compute_token_advantages).
func ChainBatch(b *rollout.Batch, opt ChainBatchOptions) (*ChainResult, error) {
	const fn = "spo.chain"
	n := len(b.Trajectories)
	res := &ChainResult{Advantages: make([][]float64, n), Train: make([][]float64, n)}
	byID := make(map[string]int, n)
	for i, t := range b.Trajectories {
		if !t.Probe {
			byID[t.ID] = i
		}
	}
	// Probes by parent row.
	type probe struct{ prefix, row int }
	probesOf := map[int][]probe{}
	for i, t := range b.Trajectories {
		if !t.Probe {
			continue
		}
		if t.Parent == nil {
			return nil, fmt.Errorf("%s: probe trajectory %d (traj_uid %q) has no parent link", fn, i, t.ID)
		}
		j, ok := byID[t.Parent.Trajectory]
		if !ok {
			return nil, fmt.Errorf("%s: probe trajectory %d (traj_uid %q): parent %q is not a non-probe trajectory of the batch", fn, i, t.ID, t.Parent.Trajectory)
		}
		p := b.Trajectories[j]
		if t.Parent.Token < 0 || t.Parent.Token > p.Len() {
			return nil, fmt.Errorf("%s: probe trajectory %d (traj_uid %q): prefix of %d tokens, parent %q has %d", fn, i, t.ID, t.Parent.Token, p.ID, p.Len())
		}
		probesOf[j] = append(probesOf[j], probe{t.Parent.Token, i})
	}
	type acc struct {
		sum float64
		n   int
	}
	values := map[[2]int]acc{} // (trie node, prefix) within the current group
	var path []int
	err := eachBatchGroup(b, func(_ int, rows []int, tr *Trie) error {
		clear(values)
		for k, j := range rows {
			ps := probesOf[j]
			if len(ps) == 0 {
				continue
			}
			path = tr.Path(k, path)
			for _, p := range ps {
				r, ok := outcome(b.Trajectories[p.row], opt.Reward)
				if !ok {
					pt := b.Trajectories[p.row]
					return fmt.Errorf("%s: probe trajectory %d (traj_uid %q) has no rewards.%s", fn, p.row, pt.ID, opt.Reward)
				}
				kk := [2]int{tr.NodeAt(path, p.prefix), p.prefix}
				a := values[kk]
				a.sum += r
				a.n++
				values[kk] = a
			}
		}
		for k, i := range rows {
			t := b.Trajectories[i]
			L := t.Len()
			if len(t.OldLogProbs) != L {
				return fmt.Errorf("%s: trajectory %d (traj_uid %q) has %d old_log_probs, want one per token (%d)", fn, i, t.ID, len(t.OldLogProbs), L)
			}
			score, ok := outcome(t, opt.Reward)
			if !ok {
				return fmt.Errorf("%s: trajectory %d (traj_uid %q) has no rewards.%s and no token_level_rewards", fn, i, t.ID, opt.Reward)
			}
			prob := make([]float64, L)
			train := make([]float64, L)
			for u, lp := range t.OldLogProbs {
				prob[u] = math.Exp(lp)
				if opt.Plan.ProbThreshold >= 1 || prob[u] < opt.Plan.ProbThreshold {
					train[u] = 1
				}
			}
			res.Train[i] = train
			if L == 0 {
				res.Advantages[i] = []float64{}
				continue
			}
			var cuts []int
			var vals []float64
			if hasStepValues(t, opt.ValueKey) {
				cuts, vals = stepCutpoints(t, opt.ValueKey, opt.InitFeature)
			} else {
				var err error
				cuts, err = ChainCutpoints(t.OldLogProbs, opt.Plan.ProbThreshold, opt.Plan.Interval)
				if err != nil {
					return fmt.Errorf("%s: trajectory %d (traj_uid %q): %w", fn, i, t.ID, err)
				}
				path = tr.Path(k, path)
				vals = make([]float64, len(cuts))
				for c, cut := range cuts {
					a, ok := values[[2]int{tr.NodeAt(path, cut+1), cut + 1}]
					if !ok {
						return &MissingProbeError{Row: i, ID: t.ID, Cutpoint: cut}
					}
					vals[c] = a.sum / float64(a.n)
				}
			}
			r, err := spo.ChainTokenAdvantages(prob, cuts, vals, score, spo.ChainOptions{ProbThreshold: opt.Plan.ProbThreshold})
			if err != nil {
				return fmt.Errorf("%s: trajectory %d (traj_uid %q): %w", fn, i, t.ID, err)
			}
			res.Advantages[i] = r.Advantages
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, t := range b.Trajectories {
		if t.Probe {
			res.Advantages[i] = make([]float64, t.Len())
			res.Train[i] = make([]float64, t.Len())
		}
	}
	return res, nil
}

// MissingProbeError reports a planned cutpoint without Monte Carlo probes.
type MissingProbeError struct {
	Row      int
	ID       string
	Cutpoint int
}

func (e *MissingProbeError) Error() string {
	return fmt.Sprintf("spo.chain: trajectory %d (traj_uid %q): no probe trajectory for cutpoint %d (a prefix of %d tokens); plan the probes with PlanChainProbes and add them with probe=true and parent={traj_uid, token}", e.Row, e.ID, e.Cutpoint, e.Cutpoint+1)
}

// stepCutpoints reads given MC values: a cutpoint at the last token of every
// step with values[key] (a step ending at 0 is the query state), plus the
// query state's value from features[init]. Cutpoints ascend; for a repeated
// cutpoint the last given value is kept.
func stepCutpoints(t *rollout.Trajectory, key, init string) ([]int, []float64) {
	type cv struct {
		c int
		v float64
	}
	var cs []cv
	if v, ok := credit.NumericFeature(t, init); ok {
		cs = append(cs, cv{-1, v})
	}
	for _, s := range t.Steps {
		if v, ok := s.Values[key]; ok {
			cs = append(cs, cv{s.End - 1, v})
		}
	}
	slices.SortStableFunc(cs, func(a, b cv) int { return a.c - b.c })
	cuts := make([]int, 0, len(cs))
	vals := make([]float64, 0, len(cs))
	for k, x := range cs {
		if k+1 < len(cs) && cs[k+1].c == x.c {
			continue
		}
		cuts = append(cuts, x.c)
		vals = append(vals, x.v)
	}
	return cuts, vals
}

func hasStepValues(t *rollout.Trajectory, key string) bool {
	for _, s := range t.Steps {
		if _, ok := s.Values[key]; ok {
			return true
		}
	}
	return false
}

// outcome is the named outcome reward, or the sum of the token rewards.
func outcome(t *rollout.Trajectory, channel string) (float64, bool) {
	if r, ok := t.Rewards[channel]; ok {
		return r, true
	}
	if t.TokenRewards != nil {
		s := 0.0
		for _, x := range t.TokenRewards {
			s += x
		}
		return s, true
	}
	return 0, false
}

// eachBatchGroup builds the trie of each group's non-probe trajectories
// (batch order) and calls f with the group number, the rows (trie sequence
// k is row rows[k]) and the trie.
func eachBatchGroup(b *rollout.Batch, f func(gi int, rows []int, tr *Trie) error) error {
	var rows []int
	var ids []string
	for i, t := range b.Trajectories {
		if !t.Probe {
			rows = append(rows, i)
			ids = append(ids, t.Group)
		}
	}
	tokens := make([][]int64, len(rows))
	for k, i := range rows {
		tokens[k] = b.Trajectories[i].Tokens
	}
	g, nG := groups.Index(ids)
	return eachGroupTrie(tokens, g, nG, nil, func(members []int, tr *Trie, _ [][]int64) error {
		out := make([]int, len(members))
		for k, m := range members {
			out[k] = rows[m]
		}
		return f(g[members[0]], out, tr)
	})
}
