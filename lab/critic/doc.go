// Package critic is the lab's learned value function, for the methods that
// need one (GAE, ArCHer, MA-RLHF, ...): a table over (role, state key,
// time) or a linear function of the state features, trained with the
// engine's clipped value loss (loss.ValueLoss) and Adam, or fitted in one
// shot to Monte Carlo returns (least squares).
package critic
