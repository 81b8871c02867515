// Package loss implements the policy losses, the value loss, the loss
// aggregation modes and the KL estimators of verl and OpenRLHF, each
// together with its analytic gradient, so that an embedded trainer can
// back-propagate through them without an autograd engine.
//
// Every function reproduces one reference function to float tolerance
// (checked against the golden vectors in testdata/golden) and documents the
// reference's quirks. Each loss returns its scalar value, the metrics the
// reference logs (clip fractions, ppo_kl, ...) and the gradient of the loss
// with respect to the current log-probabilities (or value predictions). The
// gradients follow PyTorch autograd of the reference exactly: stop-gradient
// (detach) and straight-through constructions are honoured, a clamp passes
// the gradient only when its input lies inside the closed interval, and
// torch.maximum/torch.minimum split the gradient evenly between equal
// arguments.
//
// Layout (one family per file):
//
//	agg.go      verl agg_loss (token-mean, seq-mean-token-sum, seq-mean-token-mean,
//	            seq-mean-token-sum-norm) and OpenRLHF aggregate_loss
//	kl.go       verl kl_penalty (k1/abs/k2/k3, '+' straight-through) and
//	            OpenRLHF compute_approx_kl
//	ppo.go      verl vanilla PPO (with dual clip) and OpenRLHF PolicyLoss
//	gspo.go     verl GSPO            sapo.go     verl SAPO
//	gpg.go      verl GPG             cispo.go    verl CISPO
//	geomean.go  verl GMPO (geo_mean) clipcov.go  verl Clip-Cov
//	klcov.go    verl KL-Cov          value.go    verl clipped value loss
//	aft.go      AFT constraint alignment loss over ranked chains (#91; not a verl loss, no golden file)
//	policy.go   the inputs, outputs and configuration shared by the verl losses
//
// Conventions: a batch is [][]float64 (rows may be ragged); masks have the
// same shape and hold 0/1 values or non-negative weights; outputs are freshly
// allocated (one block per matrix). Computation is in float64 (the references
// compute in float32; the difference is inside the golden tolerance).
// Non-finite inputs are rejected with an error naming the argument, the row
// and the column; since inputs are finite, a masked token (mask 0) has a loss
// term of exactly 0 and a zero gradient, and the losses skip it.
//
// The gradient of a token is written as ω_bt·∂ℓ_bt/∂logp_bt, where ℓ is the
// per-token loss and ω_bt = ∂loss/∂ℓ_bt is the aggregation weight of AggLoss
// (e.g. m_bt·dp/BatchNumTokens for token-mean).
package loss
