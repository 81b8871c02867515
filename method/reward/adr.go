package reward

// ADROptions are Adaptive Deep Reasoning's gate and bonus.
type ADROptions struct {
	// Threshold makes an outcome correct when outcome >= Threshold.
	Threshold float64
	// ShortAccuracy: short chains are preferred in a group when the
	// accuracy of its short-chain samples is >= ShortAccuracy.
	ShortAccuracy float64
	// Bonus β: a correct response of the preferred mode gets 1 + β, one of
	// the other mode 1 − β.
	Bonus float64
}

// ADRRewards returns the long/short adaptive group-wise reward:
//
//	preferred(x) = short if acc_short(x) ≥ θ, else long
//	r = c · (1 + β)   if the response's mode is preferred(x)
//	r = c · (1 − β)   otherwise
//
// with c = 1[outcome ≥ threshold] and acc_short(x) the accuracy of the
// short-chain samples of the response's group (a group without short
// samples prefers long chains). A prompt the short chains already solve
// rewards short chains; one they fail rewards long ones.
func ADRRewards(outcome []float64, short []bool, index []string, o ADROptions) ([]float64, error) {
	const est = "adaptive_deep_reasoning"
	n := len(outcome)
	if err := checkRows(est, "modes", len(short), n); err != nil {
		return nil, err
	}
	if err := checkRows(est, "index", len(index), n); err != nil {
		return nil, err
	}
	if err := checkFinite(est, "outcomes", outcome); err != nil {
		return nil, err
	}
	c := correct(outcome, o.Threshold)
	sumShort := map[string]float64{}
	nShort := map[string]float64{}
	for i, s := range short {
		if s {
			sumShort[index[i]] += c[i]
			nShort[index[i]]++
		}
	}
	out := make([]float64, n)
	for i := range out {
		preferShort := nShort[index[i]] > 0 && sumShort[index[i]]/nShort[index[i]] >= o.ShortAccuracy
		if short[i] == preferShort {
			out[i] = c[i] * (1 + o.Bonus)
		} else {
			out[i] = c[i] * (1 - o.Bonus)
		}
	}
	return out, nil
}
