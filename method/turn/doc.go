// Package turn implements turn-, utterance- and role-level credit assignment
// for multi-turn and multi-agent LLM rollouts: the agentic methods of the
// credo method catalogue (shared/spec/methods.md §2.1) that give credit to
// whole turns (utterances, actions, tree nodes) rather than to single tokens
// or whole responses.
//
// Methods (spec row in brackets):
//
//   - OPRL [#2]: implicit step rewards β·Σ(log π_φ − log π_old) combined with
//     a group-normalised episode advantage (oprl.go);
//   - MALT [#1]: value iteration over a generator → verifier → refiner tree
//     with threshold labels and per-role preference pairs (malt.go);
//   - ArCHer [#32]: utterance-level Q − V or TD advantages from given critic
//     values (archer.go);
//   - POAD [#30]: token-level Bellman backup inside language actions
//     (γ_intra = 1, reward at the action end) (poad.go);
//   - Sotopia-RL [#37]: multi-dimensional utterance rewards combined with
//     weights and normalised within groups (sotopia.go);
//   - CALM [#8]: subgoal (option-termination) bonus rewards from judge labels
//     (calm.go);
//   - LaRe [#11]: redistribution of an episodic return over steps from latent
//     per-step scores, preserving the return (lare.go);
//   - GMAH [#4], credit part only: QMIX-style monotone mixing of per-agent
//     values (gmah.go; not registered, it writes no per-token credit).
//
// The estimators are pure functions over plain arrays: a batch is a set of
// rows (one per trajectory) that may be ragged; per-turn quantities are rows
// of per-turn numbers; token spans are Span values. Outputs are freshly
// allocated and inputs are never modified. register.go binds them to the
// credit registry (rollout.Batch in, per-token advantages out).
//
// Conventions shared by every binding of this package:
//
//   - Turns are a trajectory's top-level steps (steps without a parent), in
//     order; they must not overlap. Their Kind is not inspected.
//   - A turn's credit is written to each of its tokens whose mask is
//     non-zero; tokens outside every turn and tokens with mask 0 get 0. The
//     mask value itself is not multiplied in (a fractional mask is a loss
//     weight and is applied by the loss).
//   - Comparison sets of a single member get a normalised value of 0 (there
//     is nothing to compare with); see NormalizeSets.
package turn
