// Package lmserve serves a lab language model (lab/lm) through an
// OpenAI-compatible API, so that other parts of credo can be tested
// against a real model server: POST /v1/completions, POST
// /v1/chat/completions, GET /v1/models and POST /tokenize (vLLM's).
//
// Completions (OpenAI legacy): model, prompt (a string, an array of
// strings, or an array of token ids taken as is), max_tokens (default 16),
// temperature (default 1; 0 = greedy), n (default 1), seed, logprobs (an
// integer k: the top-k alternatives per token; the sampled token's
// log-prob is always returned), stop (a string or an array of strings);
// echo and stream are not supported. Each choice carries text,
// finish_reason ("stop" at end-of-sequence or a stop string, "length" at
// max_tokens or the context's end), logprobs {tokens, token_logprobs,
// top_logprobs, text_offset}, and the generated token ids in token_ids
// (vLLM's field; the prompt's ids are in prompt_token_ids, the first being
// the model's start token).
//
// Chat: messages are rendered by RenderChat, the lab model's chat
// template: the contents in order, each followed by a newline unless it
// ends with one (the model has no role tokens, so a single user message
// gives exactly the completions prompt of its text). The same sampling
// fields apply, plus max_completion_tokens, logprobs (bool) and
// top_logprobs; a choice carries message {role, content}, finish_reason,
// logprobs {content: [{token, logprob, bytes, top_logprobs}]} and
// token_ids; the rendered prompt's ids are in prompt_token_ids.
//
// vLLM's extensions, on both endpoints: truncate_prompt_tokens k keeps the
// prompt's last k tokens (after the start token of a text prompt) — the
// lab model's context is short; guided_regex and guided_choice constrain
// the whole completion to match a regular expression (Go syntax, no
// anchors) or to be one of the strings: at each step only the tokens after
// which the expression can still match are drawn (the model's
// distribution renormalised over them), end-of-sequence only where it
// matches. A guided completion cut by max_tokens ends with "length" and
// may not match.
//
// Log-probs are the model's raw log-probs (temperature 1, before any
// guide's mask), whatever temperature draws the sample. Each request draws
// from PCG(seed, 0x5e7e), its n samples in turn. Requests are served one
// at a time (the model is small and CPU-bound).
package lmserve
