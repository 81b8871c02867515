// Package train is the lab's training loop: Run trains a lab policy
// (lab/policy) with any registered credit method on an environment, and
// one iteration reads top to bottom like a cleanrl script — evaluate
// (the exact expected return through Oracle), sample a batch (lab/sample,
// fed as Profile says), assign credit (Method.Assign: the same registry
// call that `credo assign` makes, credit.Method.AssignState), score the
// credit against A^π, step the policy, update the critic.
//
// The pieces are here too, each usable alone: the policy-gradient update
// with the engine's own policy losses (Step, LossGrad: loss.PolicyLossVanilla
// for PPO-clip, loss.PolicyLossGPG for plain REINFORCE; the loss gradient
// with respect to each token's log-prob is chained by hand into the policy
// parameters, policy.AddGradLogProb), the critic update (UpdateCritic), the
// exact oracle of a fixed policy (Oracle: A^π, V^π, Q^π and the exact policy
// gradient, by backward induction in lab/truth), the REINFORCE gradient
// estimate and its variance across batches (EstimatedGradient,
// GradVariance), and how the lab feeds each registered method (Profile,
// WithChainProbes).
package train
