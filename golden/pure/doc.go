// Package pure registers credo's PURE anchor (anchor/pure) with the golden
// harness under the estimator names pure.turn_process_reward_logits_to_reward
// and pure.credit_assignment.
package pure
