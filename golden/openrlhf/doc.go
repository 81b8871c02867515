// Package openrlhf registers credo's OpenRLHF anchor (anchor/openrlhf) with
// the golden harness under the estimator names openrlhf.compute_reward,
// openrlhf.cumulative_returns, openrlhf.gae and
// openrlhf.compute_advantages_and_returns.
package openrlhf
