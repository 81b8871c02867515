package group

// PosteriorRewards returns Posterior-GRPO's reward
//
//	R_i = R^f_i + R^o_i + R^o_i · R^t_i
//
// the format reward, the outcome (test-case) reward in {0, 1}, and the
// thinking-quality reward counted only when the outcome is a success. format
// may be nil (no format reward). The advantage is then GRPO's normalisation
// of R.
//
// Paper: "Posterior-GRPO: Rewarding Reasoning Processes in Code Generation"
// (arXiv:2508.05170), methods.md #86. The formula follows the third-party
// Wodlfvllf/grpo-composer, consistent with the abstract.
func PosteriorRewards(format, outcome, thinking []float64) ([]float64, error) {
	const est = "posterior_grpo"
	if err := checkRows(est, "thinking", len(thinking), "outcome", len(outcome)); err != nil {
		return nil, err
	}
	if format != nil {
		if err := checkRows(est, "format", len(format), "outcome", len(outcome)); err != nil {
			return nil, err
		}
		if err := checkFinite(est, "format", format); err != nil {
			return nil, err
		}
	}
	if err := checkFinite(est, "outcome", outcome); err != nil {
		return nil, err
	}
	if err := checkFinite(est, "thinking", thinking); err != nil {
		return nil, err
	}
	out := make([]float64, len(outcome))
	for i, o := range outcome {
		r := o + o*thinking[i]
		if format != nil {
			r += format[i]
		}
		out[i] = r
	}
	return out, nil
}
