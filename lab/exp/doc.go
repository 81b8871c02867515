// Package exp holds the lab's experiments, one file per experiment: each
// file registers its description (the paper, the claim, the environments
// and methods) with the function that runs it, trains or scores what the
// claim needs (lab/train, lab/matrix) and checks the claim over seeds
// (result.Paired, result.NonInferior). All lists them in canonical order;
// package lab runs them and writes the report.
//
//	matrix.go          the credit-accuracy matrix (lab/matrix) and its findings
//	trained_matrix.go  every method trained on every single-agent environment
//	gigpo.go           GiGPO vs GRPO on Sokoban6
//	stratified.go      Stratified GRPO on KBHop
//	rae.go             SPIRAL's role-conditioned baseline in self-play
//	pure.go            PURE's min-form vs sum-form PRM credit
//	tree.go            SPO-tree and TreeRL vs GRPO
//	knapsack.go        Knapsack RL's budget allocation
//	brpo.go            BRPO's budget-relative baseline
//	gae.go             GAE(λ) vs Monte Carlo vs GRPO
//	length_budget.go   a length budget (tlts) on the language-model policy
//	lm.go              the language-model policy acting in tokens (lab/lmexp)
//	common.go          what the experiments share: training variants over seeds, curves, rows
package exp
