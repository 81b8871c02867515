// Package probe plans and samples the extra continuations that tree and
// Monte Carlo credit methods need — SPO-tree's and TreeRL's sampled trees,
// SPO-chain's and VSRM's Monte Carlo probes, OmegaPRM's binary search for
// the first error, BRPO's budgets, MALT's role trees — from any OpenAI-compatible completions server (through
// package model) or an in-process Sampler, scores them with a Verifier, and
// writes them back into the batch as records `credo assign` reads.
//
// Records need the prompt as token ids (`prompt_token_ids`, as vLLM and
// `credo lab serve` return them), the response token ids (`responses`), and,
// for scoring a probe of a prefix, the text of the response tokens
// (`token_text`, one string per token; written by Rollouts and by every
// sampled continuation). A continuation's prompt is prompt_token_ids followed
// by the first Token response ids of its parent; a forced-answer task
// (VSRM's answers after a step, BRPO's after truncated thinking: Task.Force)
// appends the suffix's ids and scores the suffix plus the sampled answer.
//
// Plans are derived from the batch alone, so planning is iterative: plan,
// sample, plan again on the grown batch, until the plan is empty (Expand).
// Every request carries a seed derived from the run seed and the task id, so
// a rerun against the same server (or the model client's cache) gives the
// same records.
package probe
