// Package result holds what the lab produces and how its claims are
// settled: the description of an experiment (Experiment), its outcome
// (Result: findings, rows, learning curves, a credit-accuracy Matrix), the
// whole run (Report, with its Options), and the paired statistics that turn
// per-seed measurements into verdicts (Paired, NonInferior, Settle: paired
// t tests with Holm correction, TOST equivalence, practical margins).
//
// Every other part of the lab reads or writes these types: lab/exp and
// lab/matrix fill them, lab/report renders them, package lab runs the
// experiments and returns a Report. The package imports nothing of the lab
// but lab/score.
package result
