// Package sample runs a policy in a lab environment and turns the episodes
// into credo's data model (rollout.Batch) with the structure each
// credit-assignment method reads: groups per start state, one token and one
// step per environment step (action id, log-prob, anchor state key, role,
// step rewards and signals), outcome rewards per role, stratum features,
// trees branching from intermediate states, Monte Carlo probes from
// prefixes, greedy baselines and per-prompt budgets.
package sample
