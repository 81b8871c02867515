package loss

// PolicyLossGPG is verl's Group Policy Gradient loss, plain REINFORCE on the
// current log-probabilities (old_log_prob is not read):
//
//	ℓ = -w · logp · A,   pg_loss = agg_loss(ℓ, mask, AggMode, Global)
//
// No metrics are reported. Gradient: ∂pg_loss/∂logp_bt = -ω_bt · w · A_bt.
//
// Paper: "GPG: A Simple and Strong Reinforcement Learning Baseline for Model
// Reasoning" (arXiv:2504.02546).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_policy_loss_gpg.
func PolicyLossGPG(in PolicyBatch, cfg VerlPolicyConfig) (PolicyResult, error) {
	const fn = "verl.policy_loss_gpg"
	if err := in.validate(fn, false); err != nil {
		return PolicyResult{}, err
	}
	agg, err := newVerlAgg(fn, in.ResponseMask, cfg.AggMode, cfg.Global)
	if err != nil {
		return PolicyResult{}, err
	}
	grad := likeZeros(in.LogProb)
	for i, lpRow := range in.LogProb {
		advRow, mRow, gRow := in.Advantages[i], in.ResponseMask[i], grad[i]
		wRow := in.isRow(i)
		coef := agg.coef(i)
		rs := 0.0
		for t, lp := range lpRow {
			m := mRow[t]
			if m == 0 {
				continue // finite inputs: no loss term, zero gradient
			}
			a := advRow[t]
			l, dl := -lp*a, -a
			if wRow != nil {
				l, dl = l*wRow[t], dl*wRow[t]
			}
			rs += l * m
			gRow[t] = coef * m * dl
		}
		agg.add(i, rs)
	}
	return PolicyResult{Loss: agg.value(), GradLogProb: grad}, nil
}
