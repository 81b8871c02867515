package sample

import (
	"fmt"
	"math"
	"strconv"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/rollout"
)

// Token locates one generated token: the environment step it encodes.
type Token struct {
	Ep, Step int // episode index and step index within the episode
	S        env.State
	T, A     int
	Role     int
}

// Built is a batch in credo's data model together with, per trajectory and
// token, the environment step behind it (for scoring against A^π and for
// chaining the loss gradient into the policy).
type Built struct {
	Batch *rollout.Batch
	// Tokens[i][j] is token j of trajectory i.
	Tokens [][]Token
	// Ep[i] and Role[i] are the episode and role of trajectory i.
	Ep, Role []int
}

// BuildOptions choose what the batch carries beyond the basics.
type BuildOptions struct {
	// TokenRewards writes token_level_rewards (the role's step rewards on
	// its tokens). Without it, methods place the outcome on the last token.
	TokenRewards bool
	// V and Q are critic estimates (nil: none). V fills the per-token
	// values and steps[].values.v, Q fills steps[].values.q.
	V func(s env.State, t, role int) float64
	Q func(s env.State, t, role, a int) float64
	// Ref is the reference policy for ref_log_prob (nil: none).
	Ref Act
	// Pi is the sampling policy for token_scores.sum_pi_squared (nil: none).
	Pi Act
	// Greedy holds one argmax episode per prompt for rewards.baseline (nil: none).
	Greedy []Episode
	// PromptKeys are stable prompt ids per prompt index (features.prompt);
	// nil uses the start state's key.
	PromptKeys []string
	// Game names the environment (features.game, RAE's EMA key).
	Game string
	// PRMJudge turns a "prm" signal into a critique vote
	// (steps[].labels.wrong_vote_0 = 1 when prm < 0.5).
	PRMJudge bool
	// DropProbes leaves probe episodes out of the batch.
	DropProbes bool

	// Extra inputs some methods read, derived by the lab from the
	// environment (nil: none). Each must be deterministic.

	// LogProbs adds log_probs.<name>: log π_name(a|s, t) of every token
	// under a second policy (e.g. OPRL's implicit PRM π_φ).
	LogProbs map[string]Act
	// StepRewards adds step reward channels (steps[].rewards.<name>) to the
	// step of role's trajectory encoding st (e.g. the terms of a composite
	// environment reward).
	StepRewards func(st Step, role int) map[string]float64
	// StepLabels adds step labels (steps[].labels.<name>), e.g. a rule-based
	// subgoal detector's verdict.
	StepLabels func(st Step, role int) map[string]float64
	// StepValues adds step values (steps[].values.<name>), e.g. a learned
	// per-step score.
	StepValues func(st Step, role int) map[string]float64
	// Rewards adds trajectory reward channels (rewards.<name>) to role's
	// trajectory of ep (e.g. a judge's score of the whole response, or a
	// per-prompt reference reward).
	Rewards func(ep Episode, role int) map[string]float64
}

// merge copies src into dst (allocating it when nil) and returns it.
func merge(dst, src map[string]float64) map[string]float64 {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]float64, len(src))
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

// roleTraj is one role's view of an episode: its steps and the rewards
// attributed to them (a reward paid at another role's step goes to the
// role's latest earlier step, or to its first step when it has none yet).
func roleTraj(ep Episode, role int) (steps []int, rewards []float64) {
	for j, st := range ep.Steps {
		if st.Role == role {
			steps = append(steps, j)
		}
	}
	if len(steps) == 0 {
		return nil, nil
	}
	rewards = make([]float64, len(steps))
	k := -1
	for _, st := range ep.Steps {
		if st.Role == role {
			k++
		}
		pos := k
		if pos < 0 {
			pos = 0
		}
		rewards[pos] += st.Reward[role]
	}
	return steps, rewards
}

// Build turns episodes into a batch. Single-agent episodes give one
// trajectory each, in group "p<prompt>"; in two-player games every role
// that acted gives its own trajectory (its turns only, its own outcome),
// in group "p<prompt>/r<role>", so that a group compares one seat's games.
func Build(e env.Env, eps []Episode, o BuildOptions) (*Built, error) {
	R := e.Roles()
	out := &Built{Batch: &rollout.Batch{}}
	trajOf := map[[2]int]string{}  // (episode, role) → trajectory id
	tokCount := map[[2]int][]int{} // (episode, role) → cumulative own tokens per step
	for i, ep := range eps {
		if o.DropProbes && ep.Probe {
			continue
		}
		for role := 0; role < R; role++ {
			steps, rews := roleTraj(ep, role)
			if steps == nil {
				continue
			}
			id := ID(i)
			group := "p" + strconv.Itoa(ep.Prompt)
			if R > 1 {
				id += "r" + strconv.Itoa(role)
				group += "/r" + strconv.Itoa(role)
			}
			trajOf[[2]int{i, role}] = id
			cum := make([]int, len(ep.Steps)+1)
			for j, st := range ep.Steps {
				cum[j+1] = cum[j]
				if st.Role == role {
					cum[j+1]++
				}
			}
			tokCount[[2]int{i, role}] = cum
			n := len(steps)
			tr := &rollout.Trajectory{
				ID: id, Group: group, Probe: ep.Probe,
				Tokens:      make([]int64, n),
				Mask:        make([]float64, n),
				OldLogProbs: make([]float64, n),
				Rewards:     map[string]float64{rollout.DefaultReward: ep.Return[role]},
				Features:    map[string]any{},
				Steps:       make([]rollout.Step, n),
			}
			if R > 1 {
				for r := 0; r < R; r++ {
					tr.Rewards[strconv.Itoa(r)] = ep.Return[r]
				}
			}
			if o.TokenRewards {
				tr.TokenRewards = append([]float64(nil), rews...)
			}
			if o.V != nil {
				tr.Values = make([]float64, n)
			}
			if o.Ref != nil {
				tr.RefLogProbs = make([]float64, n)
			}
			if o.Pi != nil {
				tr.Scores = map[string][]float64{"sum_pi_squared": make([]float64, n)}
			}
			if len(o.LogProbs) > 0 {
				tr.LogProbs = make(map[string][]float64, len(o.LogProbs))
				for name := range o.LogProbs {
					tr.LogProbs[name] = make([]float64, n)
				}
			}
			if o.Rewards != nil {
				tr.Rewards = merge(tr.Rewards, o.Rewards(ep, role))
			}
			toks := make([]Token, n)
			search := 0
			for k, j := range steps {
				st := ep.Steps[j]
				tr.Tokens[k] = int64(st.A)
				tr.Mask[k] = 1
				tr.OldLogProbs[k] = st.LogP
				step := rollout.Step{Start: k, End: k + 1, Kind: "turn", Role: strconv.Itoa(role),
					State:   rollout.StateKey(env.ObsKey(e, st.S)),
					Rewards: map[string]float64{"reward": rews[k]}}
				for name, x := range st.Signals {
					step.Rewards[name] = x
					if name == "search" && x > 0 {
						search++
					}
				}
				if o.PRMJudge {
					if p, ok := st.Signals["prm"]; ok {
						v := 0.0
						if p < 0.5 {
							v = 1
						}
						step.Labels = map[string]float64{"wrong_vote_0": v}
					}
				}
				if o.V != nil {
					v := o.V(st.S, st.T, role)
					tr.Values[k] = v
					step.Values = map[string]float64{"v": v}
				}
				if o.Q != nil {
					if step.Values == nil {
						step.Values = map[string]float64{}
					}
					step.Values["q"] = o.Q(st.S, st.T, role, st.A)
				}
				if o.Ref != nil {
					tr.RefLogProbs[k] = math.Log(math.Max(o.Ref(st.S, st.T)[st.A], 1e-300))
				}
				if o.Pi != nil {
					s2 := 0.0
					for _, p := range o.Pi(st.S, st.T) {
						s2 += p * p
					}
					tr.Scores["sum_pi_squared"][k] = s2
				}
				for name, pi := range o.LogProbs {
					tr.LogProbs[name][k] = math.Log(math.Max(pi(st.S, st.T)[st.A], 1e-300))
				}
				if o.StepRewards != nil {
					step.Rewards = merge(step.Rewards, o.StepRewards(st, role))
				}
				if o.StepLabels != nil {
					step.Labels = merge(step.Labels, o.StepLabels(st, role))
				}
				if o.StepValues != nil {
					step.Values = merge(step.Values, o.StepValues(st, role))
				}
				tr.Steps[k] = step
				toks[k] = Token{Ep: i, Step: j, S: st.S, T: st.T, A: st.A, Role: role}
			}
			tr.Features["n_search_calls"] = float64(search)
			tr.Features["truncated"] = ep.Truncated
			if o.Game != "" {
				tr.Features["game"] = o.Game
			}
			pk := ep.Start.Key()
			if o.PromptKeys != nil {
				pk = o.PromptKeys[ep.Prompt]
			}
			tr.Features["prompt"] = pk
			if o.Greedy != nil {
				tr.Rewards["baseline"] = o.Greedy[ep.Prompt].Return[role]
			}
			out.Batch.Trajectories = append(out.Batch.Trajectories, tr)
			out.Tokens = append(out.Tokens, toks)
			out.Ep = append(out.Ep, i)
			out.Role = append(out.Role, role)
		}
	}
	// Parent links (trees and probes): the parent's trajectory of the same
	// role, sharing the role's tokens of the first BranchAt steps.
	for k, tr := range out.Batch.Trajectories {
		ep := eps[out.Ep[k]]
		if ep.Parent < 0 {
			continue
		}
		pid, ok := trajOf[[2]int{ep.Parent, out.Role[k]}]
		if !ok {
			continue
		}
		tr.Parent = &rollout.Branch{Trajectory: pid, Token: tokCount[[2]int{out.Ep[k], out.Role[k]}][ep.BranchAt]}
	}
	if err := out.Batch.Validate(); err != nil {
		return nil, fmt.Errorf("lab sampler built an invalid batch: %w", err)
	}
	return out, nil
}
