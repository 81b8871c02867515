// Package spiral reproduces SPIRAL's role-conditioned advantage estimation
// (RAE) for self-play on two-player zero-sum games.
//
// A game is a sequence of turns played alternately by player 0 and player 1
// of one shared policy, and ends with one reward per player. RAE subtracts
// from each player's reward a per-role baseline, an exponential moving
// average of that role's past rewards, optionally discounts it by the number
// of the player's remaining turns, and places it on the last response token
// of each of the player's turns.
//
// The per-role EMA persists across games (and, in training, across batches).
// Here it is an explicit value, RoleBaseline, that the caller passes in and
// gets back, so it can be saved with a checkpoint and restored.
//
// Reference: spiral-rl/spiral@a02d0ed8d11c57e0ee4a4096e9881866d69a052b
// train_spiral.py (+ spiral/utils.py::EMA). The reference computes in Python
// floats; so does this package (float64).
package spiral
