// Package judge runs LLM-judge recipes over rollouts through an
// OpenAI-compatible chat endpoint (package model) and writes exactly the
// fields the recipe's credit method reads: CAPO's critique votes
// (steps[].labels.wrong_vote_<j>), CALM's subgoal verdicts
// (steps[].labels.subgoal), TP-GRPO's thought verdicts
// (steps[].labels.correct), Sotopia-RL's utterance attribution
// (steps[].rewards.goal/relationship/knowledge), Posterior-GRPO's thinking
// and format rewards (rewards.thinking, rewards.format), LaRe's latent
// factors (steps[].values.z0..), and GroundedPRM's tool verdicts
// (steps[].labels.tool, from the built-in arithmetic checker, no model).
//
// Prompts are text/template files embedded from templates/ (each says in a
// comment what follows the paper and what is credo's) and can be
// overridden by a directory of NAME.tmpl files. Answers are parsed
// strictly: if any answer cannot be parsed, Run writes nothing and returns
// a *ParseError naming every record, step and raw answer.
package judge
