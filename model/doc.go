// Package model is credo's client for OpenAI-compatible model servers (vLLM,
// SGLang, llama.cpp, Ollama, hosted APIs, and `credo lab serve`): the
// /v1/completions and /v1/chat/completions endpoints with n samples,
// log-probs and token ids where the server returns them, and vLLM's
// /tokenize (Client.Tokenize, for forced-answer suffixes).
//
// Token ids are read from, in order: a choice's "token_ids" (vLLM ≥ 0.8 with
// return_token_ids, `credo lab serve`), log-prob tokens spelled
// "token_id:123" (vLLM's return_tokens_as_token_ids), and llama.cpp's
// "tokens" array. Responses are normalised into one Choice layout whatever
// the server's shape, streamed (SSE) or not.
//
// The client bounds its concurrency, retries 429 and 5xx answers and
// transport failures with exponential backoff (honouring Retry-After),
// times requests out, and keeps an on-disk cache keyed by the SHA-256 of
// endpoint, path, model and request JSON, written atomically, so that a
// rerun costs nothing and returns the same result. Stats counts requests,
// cache hits, retries and tokens.
//
// The request and response layouts follow OpenAI's API reference
// (https://platform.openai.com/docs/api-reference/completions) and vLLM's
// OpenAI-compatible server (vllm/entrypoints/openai/protocol.py); the code is
// credo's.
package model
