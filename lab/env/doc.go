// Package env holds the lab's built-in environments: finite-horizon MDPs
// (and two-player games) with enumerable transitions, so that the exact
// advantage A^π_t(s,a) = Q^π_t(s,a) − V^π_t(s) of any policy follows by
// backward induction. Specifications: shared/spec/environments.md §5.
package env
