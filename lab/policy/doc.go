// Package policy holds the lab's trainable policies: a tabular softmax
// (one logit per state key and action) and a small MLP over the
// environment's state features. Both are plain Go in float64 with a manual
// backward pass: the trainer asks for ∇θ log π(a|s) and chains into it the
// gradient that the engine's loss functions return with respect to the
// log-probabilities.
//
// Illegal actions (env.Env.Legal) get probability 0 and no gradient.
package policy
