package token

// The registry binding of capo, beside its estimator.

import (
	"encoding/json"
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of capo.
var (
	pCapoWWhole    = credit.FloatParam{Param: credit.Param{Name: "w_whole", Kind: credit.Float, Default: 2.0, Doc: "weight of the outcome reward", Origin: credit.FromPaper("method: W_whole = 2 (recalled, not verified)"), Range: credit.NonNeg}}
	pCapoWProcess  = credit.FloatParam{Param: credit.Param{Name: "w_process", Kind: credit.Float, Default: 1.0, Doc: "weight of the wrong-step penalty", Origin: credit.FromPaper("method: W_process = 1 (recalled, not verified)"), Range: credit.NonNeg}}
	pCapoVoting    = credit.StringParam{Param: credit.Param{Name: "voting", Kind: credit.String, Default: VoteMajority, Choices: []string{VoteMajority, VoteIntersection, VoteUnion, VoteAtLeast, VoteAverage}, Doc: "how m critiques decide a step is wrong", Origin: credit.NotInPaper("majority is one of the two best rules the catalogue recalls (intersection, majority)")}}
	pCapoMinVotes  = credit.IntParam{Param: credit.Param{Name: "min_votes", Kind: credit.Int, Default: 1, Doc: "at_least: votes needed", Origin: credit.ByCredo("at_least with one vote is the union"), Range: credit.AtLeast(1)}}
	pCapoCritiques = credit.IntParam{Param: credit.Param{Name: "critiques", Kind: credit.Int, Default: 0, Doc: "m for the count layout (steps[].labels.wrong_votes); 0 = features.n_critiques", Origin: credit.ByCredo("0: m is read from features.n_critiques"), Range: credit.AtLeast(0)}}
	pCapoNorm      = credit.StringParam{Param: credit.Param{Name: "norm", Kind: credit.String, Default: CAPONormToken, Choices: []string{CAPONormToken, CAPONormOutcome, CAPONormNone}, Doc: "advantage normalisation", Origin: credit.NotInPaper("token-level z-score over the group's policy tokens, GRPO-style as the paper describes it")}}
	pCapoEpsilon   = credit.FloatParam{Param: credit.Param{Name: "epsilon", Kind: credit.Float, Default: 1e-6, Doc: "added to the standard deviation", Origin: credit.FromReference("volcengine/verl verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (epsilon=1e-6)"), Range: credit.NonNeg}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "capo",
		Summary: "CAPO: outcome reward on every token minus voted wrong-step penalties from m critiques, normalised per group",
		Params: credit.Params(
			pCapoWWhole,
			pCapoWProcess,
			pCapoVoting,
			pCapoMinVotes,
			pCapoCritiques,
			pCapoNorm,
			pCapoEpsilon,
			credit.Reward),
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome,
			{Name: "steps[].labels.wrong_vote_<k>|wrong_votes", Doc: "per-step critique votes: 0/1 per critique k = 0..m-1, or a count with m from critiques/features.n_critiques", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				top := t.TopSteps()
				for _, k := range top {
					_, a := t.Steps[k].Labels["wrong_vote_0"]
					_, c := t.Steps[k].Labels["wrong_votes"]
					if !a && !c {
						return false
					}
				}
				return len(top) > 0
			}}},
		Reads:   credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs: advOut,
		Scope:   credit.ScopeGroup,
		Inferred: []credit.Inferred{
			{What: "token reward W_whole·R − W_process·penalty, W_whole = 2, W_process = 1", Origin: credit.ByCredo("the catalogue's recalled weights (not verified)")},
			{What: "a step is wrong when a majority of the m critiques vote it wrong", Origin: credit.NotInPaper("the best voting rule is recalled as intersection or majority")},
		},
		Provenance: paperCAPO,
		Notes:      "reads rewards.<reward> (or the sum of token_level_rewards), the top-level steps and their labels; returns are the token rewards W_whole·R − W_process·penalty; W values and the voting default are NOT FOUND in the paper (recall: 2/1, intersection or majority)",
		Run:        runCAPO,
	})
}

// capoSteps reads the critique votes of a trajectory's top-level steps.
// Layouts: labels wrong_vote_0 … wrong_vote_{m−1} (0/1 each; m is the
// number of such keys, which must be consecutive from 0 and the same on
// every step), or labels.wrong_votes (a count) with m from the critiques
// parameter or features.n_critiques.
func capoSteps(t *rollout.Trajectory, v credit.Values) ([]StepVotes, error) {
	top := t.TopSteps()
	out := make([]StepVotes, 0, len(top))
	m := -1
	for _, k := range top {
		s := t.Steps[k]
		sv := StepVotes{Start: s.Start, End: s.End}
		if c, ok := s.Labels["wrong_votes"]; ok {
			n := pCapoCritiques.Get(v)
			if n == 0 {
				f, ok := featureCount(t.Features["n_critiques"])
				if !ok {
					return nil, fmt.Errorf("steps[%d].labels.wrong_votes needs m: set critiques or features.n_critiques", k)
				}
				n = f
			}
			if c != float64(int(c)) {
				return nil, fmt.Errorf("steps[%d].labels.wrong_votes = %v, want a count", k, c)
			}
			sv.Votes, sv.Critiques = int(c), n
		} else {
			n := 0
			for {
				x, ok := s.Labels[fmt.Sprintf("wrong_vote_%d", n)]
				if !ok {
					break
				}
				if x != 0 && x != 1 {
					return nil, fmt.Errorf("steps[%d].labels.wrong_vote_%d = %v, want 0 or 1", k, n, x)
				}
				sv.Votes += int(x)
				n++
			}
			if n == 0 {
				return nil, fmt.Errorf("steps[%d] has neither labels.wrong_vote_0… nor labels.wrong_votes", k)
			}
			if m >= 0 && n != m {
				return nil, fmt.Errorf("steps[%d] has %d wrong_vote_<k> labels, an earlier step has %d", k, n, m)
			}
			m = n
			sv.Critiques = n
		}
		out = append(out, sv)
	}
	return out, nil
}

// featureCount reads a whole-number feature (JSON number).
func featureCount(x any) (int, bool) {
	var f float64
	switch v := x.(type) {
	case float64:
		f = v
	case int:
		return v, true
	case json.Number:
		var err error
		if f, err = v.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

func runCAPO(b *rollout.Batch, v credit.Values) error {
	opt := CAPOOptions{WWhole: pCapoWWhole.Get(v), WProcess: pCapoWProcess.Get(v), Voting: pCapoVoting.Get(v),
		MinVotes: pCapoMinVotes.Get(v), Norm: pCapoNorm.Get(v), Epsilon: pCapoEpsilon.Get(v)}
	outcome := make([]float64, len(b.Trajectories))
	penalty := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		r, ok := credit.Outcome(t, credit.Reward.Get(v))
		if !ok {
			return fmt.Errorf("trajectory %d (traj_uid %q): no rewards.%s and no token_level_rewards", i, t.ID, credit.Reward.Get(v))
		}
		outcome[i] = r
		steps, err := capoSteps(t, v)
		if err != nil {
			return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
		}
		if penalty[i], err = StepPenalties(t.Len(), steps, opt); err != nil {
			return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
		}
	}
	adv, rew, err := CAPO(outcome, penalty, credit.Masks(b), credit.GroupIDs(b), opt)
	if err != nil {
		return err
	}
	credit.Store(b, adv, rew)
	return nil
}
