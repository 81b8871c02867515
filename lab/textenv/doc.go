// Package textenv renders the lab's environments as token-mode text tasks
// for the language-model policy (lab/lm): a prompt, completions of several
// lines, and the environment's reward read from the completion text.
//
// The problems, their text and their rewards come from lab/env (the
// environments' own generators, renderings and scorers are the interface):
//
//   - "arithchain": env.Arith problems; the policy writes one line per step,
//     "v1 = 12 * 4 = 48", then "#### 48" and end-of-sequence. Reward 1 when
//     the completion is the problem's strict canonical chain (every line
//     correct on the values written so far, then the correct answer), else 0
//     (environments.md §5.5: with a strict canonical chain a wrong token
//     can never be recovered from, so the per-token value is the
//     probability of completing the chain: exact ground truth, see
//     ExactValues).
//   - "arithchain-prm": the same problems with filler lines ("Check." and
//     "Restate.") allowed before the answer and a per-line PRM with the
//     deliberate flaws of §5.6 (correct step 1, slip 0, filler 0.9, a wrong
//     answer line 0.95); the true reward is still the correct chain (fillers
//     allowed), at most Tmax lines.
//   - "kbhop": env.KBHop questions in the Search-R1 protocol, the retrieved
//     passages inserted by the environment (Observe), exact-match reward.
//   - "countdown": env.Countdown instances in TinyZero's single-turn format;
//     the reward is env.CountdownScore (TinyZero's exact rule: last line,
//     <answer>…</answer>, every number exactly once, 1e-5 tolerance; 0.1 for
//     a well-formed wrong answer, 0 without one).
package textenv
