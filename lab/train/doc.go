// Package train is the lab's trainer: policy-gradient updates of a lab
// policy from the per-token advantages of any registered credit method,
// computed through the same registry call that `credo assign` makes
// (credit.Method.AssignState), with the engine's own policy losses
// (loss.PolicyLossVanilla for PPO-clip, loss.PolicyLossGPG for plain
// REINFORCE). The loss gradient with respect to each token's log-prob is
// chained by hand into the policy parameters (policy.AddGradLogProb).
package train
