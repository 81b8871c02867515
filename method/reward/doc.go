// Package reward holds the reward-side ideas of the catalogue's class-C
// papers (shared/spec/methods.md §1) as stages over any credit method: each
// stage computes one reward per trajectory (a length budget with its
// curriculum, a difficulty-aware budget, a long/short gate, a self-correction
// bonus, answer confidence, a welfare of two payoffs, a refusal curriculum,
// mixtures of relevance channels) and hands it to its base method (parameter
// "base", default verl.grpo, with "base_params"), which turns it into
// advantages. The base runs on a private copy of the batch whose only reward
// channel is the stage's reward (token_level_rewards dropped, so the reward
// sits on the last valid token); the user's data is not changed.
//
// Besides the stages: ADCLPlan, the adaptive difficulty curriculum of ADCL
// (#84) as an allocator beside Knapsack RL's (method/group.KnapsackAllocate),
// registered as a Go API entry. AFT's constraint alignment loss (#91) is in
// package loss (loss.AFTLoss).
//
// Every formula the papers leave open is listed on the method (Inferred) and
// in docs/methods/reward.md; every default carries its origin.
package reward
