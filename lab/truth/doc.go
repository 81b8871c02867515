// Package truth computes the exact ground truth of the credit-assignment
// lab: for a given policy π on an environment of package env, the values
// V^π_t(s), action values Q^π_t(s,a), advantages A^π_t(s,a) = Q − V and
// visit probabilities d^π_t(s) of every time-indexed state, by backward
// induction over the enumerated transitions (environments.md §5):
//
//	V_t(s)   = Σ_a π(a|s,t) Q_t(s,a)
//	Q_t(s,a) = Σ_{(p,r,s',done)} p·(r + γ·[¬done ∧ t+1 < H]·V_{t+1}(s'))
//
// with V_H ≡ 0 (an episode reaching the horizon H is truncated). Values are
// per role; in two-player games every role plays π (self-play), so the
// opponent's moves are folded into the dynamics: V_role at a node where the
// other role acts averages over its π-distributed moves. The exact policy
// gradient of a tabular softmax policy (ExactGradient) and the
// exploitability of a policy in a two-player zero-sum game
// (Exploitability) build on the same solution.
package truth
