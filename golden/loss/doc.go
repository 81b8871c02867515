// Package lossgolden registers the golden adapters of package loss: verl's
// policy losses, value loss, agg_loss and kl_penalty, and OpenRLHF's
// PolicyLoss and compute_approx_kl.
package lossgolden
