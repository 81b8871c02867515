package sample

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/credo-rl/credo/lab/env"
)

// Act is a policy: π(·|s, t) over all actions.
type Act func(s env.State, t int) []float64

// Step is one environment step of an episode.
type Step struct {
	S       env.State
	T       int
	A       int
	Role    int
	Reward  []float64 // per role
	Signals map[string]float64
	LogP    float64 // log π(a|s, t) under the sampling policy
	Done    bool
	// Next is the successor state the transition drew (the environment
	// may leave it nil on a transition that ends the episode).
	Next env.State
}

// Episode is one sampled episode (or the continuation of a prefix).
type Episode struct {
	Prompt int       // index of the start state in the batch (the group)
	Start  env.State // start state of the prompt
	Steps  []Step
	Return []float64 // per role, summed over Steps
	// Truncated is true when the horizon ended the episode.
	Truncated bool
	// Parent is the index of the episode this one branched from (-1: a
	// root); BranchAt is the number of the parent's steps it shares.
	Parent, BranchAt int
	// Probe marks an MC continuation used only for value estimates.
	Probe bool
	// Greedy marks the argmax rollout (ReMax's baseline).
	Greedy bool
}

// Sampler draws episodes from an environment with a policy.
type Sampler struct {
	Env env.Env
	Pi  Act
	Rng *rand.Rand
}

// Draw samples an index from the probabilities p.
func Draw(rng *rand.Rand, p []float64) int {
	u := rng.Float64()
	last := 0
	for i, x := range p {
		if x <= 0 {
			continue
		}
		last = i
		u -= x
		if u < 0 {
			return i
		}
	}
	return last
}

func argmax(p []float64) int {
	b := 0
	for i, x := range p {
		if x > p[b] {
			b = i
		}
	}
	return b
}

// Continue runs the policy from state s at time t (after prefix, which is
// copied into the episode) until Done or the horizon. greedy takes the most
// likely action instead of sampling.
func (sm *Sampler) Continue(prompt int, start env.State, prefix []Step, s env.State, t int, greedy bool) Episode {
	e := sm.Env
	R := e.Roles()
	ep := Episode{Prompt: prompt, Start: start, Parent: -1, Return: make([]float64, R), Greedy: greedy}
	ep.Steps = append(ep.Steps, prefix...)
	done := false
	for _, st := range prefix {
		for r := 0; r < R; r++ {
			ep.Return[r] += st.Reward[r]
		}
		done = done || st.Done
	}
	for !done && t < e.Horizon() {
		p := sm.Pi(s, t)
		var a int
		if greedy {
			a = argmax(p)
		} else {
			a = Draw(sm.Rng, p)
		}
		trs := e.Step(s, t, a)
		probs := make([]float64, len(trs))
		for i, tr := range trs {
			probs[i] = tr.P
		}
		tr := trs[Draw(sm.Rng, probs)]
		rw := make([]float64, R)
		copy(rw, tr.Reward)
		ep.Steps = append(ep.Steps, Step{S: s, T: t, A: a, Role: e.Role(s), Reward: rw, Signals: tr.Signals, LogP: math.Log(p[a]), Done: tr.Done, Next: tr.Next})
		for r := 0; r < R; r++ {
			ep.Return[r] += rw[r]
		}
		done = tr.Done
		s = tr.Next
		t++
	}
	ep.Truncated = !done
	return ep
}

// Episode samples one full episode from start.
func (sm *Sampler) Episode(prompt int, start env.State) Episode {
	return sm.Continue(prompt, start, nil, start, 0, false)
}

// Group samples n episodes from one start state.
func (sm *Sampler) Group(prompt int, start env.State, n int) []Episode {
	out := make([]Episode, n)
	for i := range out {
		out[i] = sm.Episode(prompt, start)
	}
	return out
}

// Starts draws P start states (prompts) from the environment.
func Starts(e env.Env, rng *rand.Rand, P int) []env.State {
	out := make([]env.State, P)
	for i := range out {
		out[i] = e.Start(rng)
	}
	return out
}

// Groups samples sizes[p] episodes from each start state.
func (sm *Sampler) Groups(starts []env.State, sizes []int) []Episode {
	var out []Episode
	for p, s := range starts {
		out = append(out, sm.Group(p, s, sizes[p])...)
	}
	return out
}

// Uniform returns P copies of n (a uniform per-prompt budget).
func Uniform(P, n int) []int {
	out := make([]int, P)
	for i := range out {
		out[i] = n
	}
	return out
}

// TreeOptions shape a rollout tree per prompt: Roots full episodes, then,
// for Rounds rounds, every current episode of length ≥ 2 forks Branches
// continuations at a step chosen uniformly among its interior steps (the
// fork shares the parent's first k steps, k in 1..len-1).
type TreeOptions struct {
	Roots, Rounds, Branches int
}

// Tree samples a rollout tree from each start state. Children copy their
// parent's prefix steps (tokens), so the group's token trie recovers the tree.
func (sm *Sampler) Tree(starts []env.State, o TreeOptions) []Episode {
	var out []Episode
	for p, s := range starts {
		base := len(out)
		for i := 0; i < o.Roots; i++ {
			out = append(out, sm.Episode(p, s))
		}
		frontier := []int{}
		for i := base; i < len(out); i++ {
			frontier = append(frontier, i)
		}
		for r := 0; r < o.Rounds; r++ {
			var next []int
			for _, pi := range frontier {
				par := out[pi]
				L := len(par.Steps)
				if L < 2 {
					continue
				}
				k := 1 + sm.Rng.IntN(L-1)
				st := par.Steps[k]
				for b := 0; b < o.Branches; b++ {
					ch := sm.Continue(p, s, par.Steps[:k], st.S, st.T, false)
					ch.Parent, ch.BranchAt = pi, k
					out = append(out, ch)
					next = append(next, len(out)-1)
				}
			}
			frontier = next
		}
	}
	return out
}

// Probes samples m Monte Carlo continuations of ep from after its first k
// steps (k in 0..len(ep.Steps)-1); they are marked Probe and linked to ep
// (index parent).
func (sm *Sampler) Probes(ep Episode, parent, k, m int) []Episode {
	st := ep.Steps[k]
	out := make([]Episode, m)
	for i := range out {
		out[i] = sm.Continue(ep.Prompt, ep.Start, ep.Steps[:k], st.S, st.T, false)
		out[i].Probe, out[i].Parent, out[i].BranchAt = true, parent, k
	}
	return out
}

// Greedy runs the argmax policy from each start state (ReMax's baseline).
func (sm *Sampler) Greedy(starts []env.State) []Episode {
	out := make([]Episode, len(starts))
	for p, s := range starts {
		out[p] = sm.Continue(p, s, nil, s, 0, true)
	}
	return out
}

// ReturnToGo returns, for role, the sum of that role's rewards from step i on.
func ReturnToGo(ep Episode, role int) []float64 {
	out := make([]float64, len(ep.Steps)+1)
	for i := len(ep.Steps) - 1; i >= 0; i-- {
		out[i] = out[i+1] + ep.Steps[i].Reward[role]
	}
	return out[:len(ep.Steps)]
}

// ID names episode i of a batch.
func ID(i int) string { return fmt.Sprintf("e%d", i) }
