// Package lmserve serves a lab language model (lab/lm) through an
// OpenAI-compatible completions API, so that other parts of credo can be
// tested against a real model server: POST /v1/completions and
// GET /v1/models.
//
// Request fields (OpenAI legacy completions): model, prompt (a string or an
// array of strings), max_tokens (default 16), temperature (default 1; 0 =
// greedy), n (default 1), seed, logprobs (an integer k: the top-k
// alternatives per token; the sampled token's log-prob is always returned),
// stop (a string or an array of strings), echo is not supported. Each
// choice carries text, finish_reason ("stop" at end-of-sequence or a stop
// string, "length" at max_tokens or the context's end), logprobs {tokens,
// token_logprobs, top_logprobs, text_offset}, and the generated token ids
// in token_ids (vLLM's field; the prompt's ids are in prompt_token_ids,
// the first being the model's start token). Log-probs are the model's raw
// log-probs (temperature 1), as vLLM reports by default, whatever
// temperature draws the sample.
//
// Requests are served one at a time (the model is small and CPU-bound).
package lmserve
