package openrlhf

import "github.com/credo-rl/credo/internal/arrays"

// CumulativeReturns computes OpenRLHF's REINFORCE return of every token:
//
//	G[t] = m[t]·r[t] + γ·G[t+1],   G[T] = 0
//
// The mask only zeroes rewards: the recursion runs through masked positions
// without a reset, so an interior observation token (m=0) passes the return
// of the following tokens on, and right padding contributes 0.
//
// Provenance: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7
// openrlhf/trainer/ppo_utils/experience_maker.py::RemoteExperienceMaker.get_cumulative_returns.
// REINFORCE++: "REINFORCE++: A Simple and Efficient Approach for Aligning
// Large Language Models", arXiv:2501.03262.
func CumulativeReturns(rewards, actionMask [][]float64, gamma float64) ([][]float64, error) {
	const fn = "openrlhf.cumulative_returns"
	if err := arrays.SameShape(fn, "rewards", rewards, "action_mask", actionMask); err != nil {
		return nil, err
	}
	if err := arrays.FiniteScalar(fn, "gamma", gamma); err != nil {
		return nil, err
	}
	out := arrays.Like(rewards)
	if !cumulativeReturnsInto(out, rewards, actionMask, gamma) {
		return nil, arrays.FirstNonFinite(fn, []string{"rewards", "action_mask"}, rewards, actionMask)
	}
	return out, nil
}

// CumulativeReturnsInto is CumulativeReturns writing into dst, which must
// have the shape of rewards (for callers that reuse buffers). dst may alias
// rewards.
func CumulativeReturnsInto(dst, rewards, actionMask [][]float64, gamma float64) error {
	const fn = "openrlhf.cumulative_returns"
	if err := arrays.SameShape(fn, "rewards", rewards, "action_mask", actionMask); err != nil {
		return err
	}
	if err := arrays.SameShape(fn, "rewards", rewards, "dst", dst); err != nil {
		return err
	}
	if err := arrays.FiniteScalar(fn, "gamma", gamma); err != nil {
		return err
	}
	if !cumulativeReturnsInto(dst, rewards, actionMask, gamma) {
		return arrays.FirstNonFinite(fn, []string{"rewards", "action_mask"}, rewards, actionMask)
	}
	return nil
}

// cumulativeReturnsInto writes the returns to out and reports whether every
// input value was finite (checked in the same pass).
func cumulativeReturnsInto(out, rewards, actionMask [][]float64, gamma float64) bool {
	var bad float64
	for i, r := range rewards {
		m := actionMask[i]
		m = m[:len(r)]
		o := out[i]
		o = o[:len(r)]
		g := 0.0
		for t := len(r) - 1; t >= 0; t-- {
			bad += r[t]*0 + m[t]*0
			g = m[t]*r[t] + gamma*g
			o[t] = g
		}
	}
	return bad == 0
}

// GAE computes OpenRLHF's generalised advantage estimate and returns:
//
//	V' = m·V,  r' = m·r
//	δ[t] = r'[t] + γ·V'[t+1] − V'[t],   V'[T] = 0
//	A[t] = δ[t] + γ·λ·A[t+1],           A[T] = 0
//	R[t] = A[t] + V'[t]
//
// Quirk reproduced: masked positions are not skipped (unlike verl, which
// carries the next value and advantage through them): their value and
// reward are zeroed and the recursion continues, so an interior
// observation token breaks the bootstrap with V=0. No whitening is done
// here.
//
// Provenance: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7
// openrlhf/trainer/ppo_utils/experience_maker.py::RemoteExperienceMaker.get_advantages_and_returns.
// Paper: "High-Dimensional Continuous Control Using Generalized Advantage
// Estimation", arXiv:1506.02438.
func GAE(values, rewards, actionMask [][]float64, gamma, lambda float64) (advantages, returns [][]float64, err error) {
	const fn = "openrlhf.gae"
	if err := arrays.SameShape(fn, "rewards", rewards, "action_mask", actionMask); err != nil {
		return nil, nil, err
	}
	if err := arrays.SameShape(fn, "rewards", rewards, "values", values); err != nil {
		return nil, nil, err
	}
	if err := arrays.FiniteScalar(fn, "gamma", gamma); err != nil {
		return nil, nil, err
	}
	if err := arrays.FiniteScalar(fn, "lambd", lambda); err != nil {
		return nil, nil, err
	}
	advantages, returns = arrays.Like(rewards), arrays.Like(rewards)
	if !gaeInto(advantages, returns, values, rewards, actionMask, gamma, lambda) {
		return nil, nil, arrays.FirstNonFinite(fn, []string{"values", "rewards", "action_mask"}, values, rewards, actionMask)
	}
	return advantages, returns, nil
}

// GAEInto is GAE writing into advDst and retDst, which must have the shape
// of rewards (for callers that reuse buffers). They must not alias the
// inputs or each other.
func GAEInto(advDst, retDst, values, rewards, actionMask [][]float64, gamma, lambda float64) error {
	const fn = "openrlhf.gae"
	for _, c := range []struct {
		name string
		m    [][]float64
	}{{"action_mask", actionMask}, {"values", values}, {"advantages dst", advDst}, {"returns dst", retDst}} {
		if err := arrays.SameShape(fn, "rewards", rewards, c.name, c.m); err != nil {
			return err
		}
	}
	if err := arrays.FiniteScalar(fn, "gamma", gamma); err != nil {
		return err
	}
	if err := arrays.FiniteScalar(fn, "lambd", lambda); err != nil {
		return err
	}
	if !gaeInto(advDst, retDst, values, rewards, actionMask, gamma, lambda) {
		return arrays.FirstNonFinite(fn, []string{"values", "rewards", "action_mask"}, values, rewards, actionMask)
	}
	return nil
}

// gaeInto writes advantages and returns and reports whether every input
// value was finite (checked in the same pass).
func gaeInto(adv, ret, values, rewards, actionMask [][]float64, gamma, lambda float64) bool {
	gl := gamma * lambda
	var bad float64
	for i, r := range rewards {
		v := values[i][:len(r)]
		m := actionMask[i][:len(r)]
		a := adv[i][:len(r)]
		o := ret[i][:len(r)]
		next, last := 0.0, 0.0
		for t := len(r) - 1; t >= 0; t-- {
			bad += v[t]*0 + r[t]*0 + m[t]*0
			vt := m[t] * v[t]
			last = m[t]*r[t] + gamma*next - vt + gl*last
			a[t] = last
			o[t] = last + vt
			next = vt
		}
	}
	return bad == 0
}
