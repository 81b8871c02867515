// Package lm is the lab's language-model policy: a small decoder-only
// transformer in pure Go (float64), with a hand-written backward pass
// (gradient-checked against finite differences), a key/value cache for
// sampling, and the per-token quantities credit methods read: log-probs,
// entropies and attention maps.
//
// The architecture is GPT-2's at toy size (pre-LN blocks, multi-head causal
// self-attention, tanh-GELU MLP, learned positions, output head tied to the
// token embedding) over a 97-symbol character vocabulary (Vocab). Sizes for
// the lab's synthetic tasks follow shared/spec/lm-stack.md (D = 32–128,
// 2–4 layers, 4 heads). Equations after Radford et al. (2019), "Language
// Models are Unsupervised Multitask Learners", and Karpathy's llm.c
// (train_gpt2.c); the code is written here.
//
// Everything is deterministic for a seed: initialisation and sampling draw
// from PCG streams, and every sum runs in a fixed order.
package lm
