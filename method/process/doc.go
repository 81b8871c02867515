// Package process implements process-reward shaping: credit assignment from
// per-step signals of a reasoning trace (PRM scores, judge labels, Monte
// Carlo accuracies of intermediate states), and the construction of step
// labels for training process reward models (spec methods.md §2.3).
//
// Files, one method family each:
//
//   - minform.go: PURE's min-form transform at any temperature (#16),
//     with the sum-form and the paper's future-minimum form beside it.
//   - clipdelta.go: the Clip and Delta refinements of PRM rewards (#35).
//   - tpgrpo.go: TP-GRPO's thoughts (merged steps of equal correctness)
//     and capability-adaptive thought weights (#15).
//   - vsrm.go: VSRM's step rewards from changes in the accuracy of
//     intermediate states, with the look-ahead rule (#39).
//   - omegaprm.go: OmegaPRM's binary search for the first error over an MC
//     oracle or given MC values, step labels, rollout scores (#75).
//   - groundedprm.go: GroundedPRM's hybrid of tool verdicts and MC values
//     (#31).
//   - steps.go: placing step rewards on tokens and undiscounted returns.
//   - register.go: registry bindings ("pure.min_form", "clip_delta",
//     "tp_grpo", "vsrm", "omegaprm.labels", "groundedprm.labels").
//
// The reward-shaping methods are stages: they turn step signals into token
// rewards and hand them to an estimator (parameter "estimator": the
// built-in undiscounted "returns", or any registered method that reads
// token_level_rewards, such as "verl.reinforce_plus_plus").
//
// Several formulas are not fully specified by their papers (spec §7); where
// credo had to choose, the function's doc comment says so, and
// docs/methods/process.md lists every choice. Inputs are never modified;
// outputs are freshly allocated; computation is in float64.
package process
