// Package toyenv holds two tiny environments the lab's own tests run on, so
// that the lab does not depend on the built-in environments of lab/env for
// its unit tests: Corridor (single agent, stochastic, with "prm" and
// "search" signals) and Nim (two-player zero-sum).
package toyenv
