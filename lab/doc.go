// Package lab is credo's credit-assignment lab: it trains lab policies
// (lab/policy) with any registered credit method on the built-in
// environments (lab/env), scores each method's per-step credit against the
// exact advantage A^π_t(s,a) = Q^π_t(s,a) − V^π_t(s) computed by backward
// induction (lab/truth), and reproduces the headline findings of the
// credit-assignment papers in miniature.
//
// Experiments() lists the experiments; Run executes some of them over
// several seeds and writes results.json, results.csv, the plots (PNG and
// SVG), report.html (self-contained) and lab.md into Options.OutDir. The
// lab has no credit code of its own: advantages come from the method
// registry (credit.Lookup(name).AssignState), exactly as `credo assign`
// computes them, and policy updates use the engine's loss functions.
// Run, Merge and a sweep's merger add the results read off others
// (Derive): whether the matrix's credit accuracy predicts the trained
// matrix's learning speed, when a report holds both in full mode.
//
// Everything is deterministic for a seed: random streams are PCG streams
// derived from (seed, experiment, environment, method), work is split over
// goroutines by seed and reassembled in order.
//
// This package is the small API the CLI uses (`credo lab list`, `credo lab
// run`); the work is done by its parts, each importing only the ones
// listed after it:
//
//	lab/exp      the experiments, one file each, and their registry
//	lab/report   results.json, CSV, plots, report.html, lab.md
//	lab/matrix   the credit-accuracy matrix and fixed-policy scoring
//	lab/train    the training loop, the policy step, the exact oracle
//	lab/run      an experiment's seeds, random streams and worker pool
//	lab/result   result types and the paired statistics behind verdicts
//
// (lab/report needs only lab/result.) Below them are the building blocks:
// lab/env, lab/truth, lab/sample, lab/policy, lab/critic, lab/score, and the
// language-model policy (lab/lm, lab/lmexp, lab/textenv).
package lab
