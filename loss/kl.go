package loss

import (
	"fmt"
	"math"
	"strings"
)

// KLResult is a per-token KL estimate and its elementwise gradient.
type KLResult struct {
	// KL[b][t] is the estimate at token (b, t).
	KL [][]float64
	// Grad[b][t] = ∂KL[b][t]/∂logprob[b][t] = ∂(Σ KL)/∂logprob[b][t].
	Grad [][]float64
}

// KLPenaltyOptions configures KLPenalty.
type KLPenaltyOptions struct {
	// Corrected enables the documented '+' behaviour that the pinned snapshot
	// lacks: a mode with a '+' suffix (k1+, k3+, low_var_kl+, ...) takes its
	// VALUE from the mode without '+' and its GRADIENT from k2, i.e.
	// ∂/∂logprob = logprob - ref (straight-through:
	// k2 - sg(k2) + sg(value)). Default false: '+' modes are rejected, like
	// the reference.
	Corrected bool
}

// KLPenalty is verl's kl_penalty: a per-token estimate of KL(π‖π_ref) from
// the sampled log-probabilities, with d = logprob - ref_logprob:
//
//	kl, k1:         d                                      ∂ = 1
//	abs:            |d|                                    ∂ = sign(d)
//	mse, k2:        ½d²                                    ∂ = d
//	low_var_kl, k3: x = clamp(-d, -20, 20)
//	                clamp(eˣ - x - 1, -10, 10)             ∂ = (1 - eˣ)·[|d| ≤ 20]·[inner ≤ 10]
//
// No mask is applied. "full" is not implemented (error), as in the reference.
//
// DEFECT reproduced by default: at the pinned snapshot every '+'-suffixed
// mode (k1+, k3+, low_var_kl+, mse+, k2+) raises NotImplementedError, although
// the documentation promises "value of the mode, gradient of k2": the '+' is
// not stripped before the forward dispatch. Set opts.Corrected for the
// documented behaviour.
//
// Provenance: J. Schulman, "Approximating KL Divergence" (2020, blog) for
// k1/k2/k3.
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::kl_penalty (+ kl_penalty_forward).
func KLPenalty(logprob, refLogprob [][]float64, mode string, opts KLPenaltyOptions) (KLResult, error) {
	const fn = "verl.kl_penalty"
	if err := checkFinite(fn, "logprob", logprob); err != nil {
		return KLResult{}, err
	}
	if err := checkLike(fn, "ref_logprob", refLogprob, "logprob", logprob); err != nil {
		return KLResult{}, err
	}
	if err := checkFinite(fn, "ref_logprob", refLogprob); err != nil {
		return KLResult{}, err
	}
	base, plus := strings.CutSuffix(mode, "+")
	if plus && !opts.Corrected {
		return KLResult{}, fmt.Errorf("%s: mode %q is not implemented at the pinned snapshot (the '+' suffix is not stripped; set Corrected for the straight-through k2 gradient)", fn, mode)
	}
	var f func(d float64) (v, g float64)
	switch base {
	case "kl", "k1":
		f = func(d float64) (float64, float64) { return d, 1 }
	case "abs":
		f = func(d float64) (float64, float64) { return math.Abs(d), sign(d) }
	case "mse", "k2":
		f = func(d float64) (float64, float64) { return 0.5 * d * d, d }
	case "low_var_kl", "k3":
		f = func(d float64) (float64, float64) {
			x := clamp(-d, -20, 20)
			e := math.Exp(x)
			inner := e - x - 1
			return clamp(inner, -10, 10), (1 - e) * dClamp(-d, -20, 20) * dClamp(inner, -10, 10)
		}
	case "full":
		return KLResult{}, fmt.Errorf("%s: mode \"full\" is not implemented", fn)
	default:
		return KLResult{}, fmt.Errorf("%s: unknown mode %q", fn, mode)
	}
	out := KLResult{KL: likeZeros(logprob), Grad: likeZeros(logprob)}
	for i, row := range logprob {
		ref, kr, gr := refLogprob[i], out.KL[i], out.Grad[i]
		for t, lp := range row {
			d := lp - ref[t]
			kr[t], gr[t] = f(d)
			if plus {
				gr[t] = d
			}
		}
	}
	return out, nil
}

// ApproxKL is OpenRLHF's compute_approx_kl, with d = log_probs - log_probs_base:
//
//	k1: d              ∂ = 1
//	k2: d²/2           ∂ = d
//	k3: e^(-d) - 1 + d ∂ = 1 - e^(-d)
//
// and the result clamped to [-10, 10] (∂ = 0 where the clamp is active).
// There is no ±20 clamp inside k3 (unlike verl's low_var_kl). An unknown
// estimator is an error, as in the reference.
//
// Provenance: J. Schulman, "Approximating KL Divergence" (2020, blog).
// Reference: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7
// openrlhf/models/utils.py::compute_approx_kl.
func ApproxKL(logProbs, logProbsBase [][]float64, estimator string) (KLResult, error) {
	const fn = "openrlhf.compute_approx_kl"
	if err := checkFinite(fn, "log_probs", logProbs); err != nil {
		return KLResult{}, err
	}
	if err := checkLike(fn, "log_probs_base", logProbsBase, "log_probs", logProbs); err != nil {
		return KLResult{}, err
	}
	if err := checkFinite(fn, "log_probs_base", logProbsBase); err != nil {
		return KLResult{}, err
	}
	var f func(d float64) (v, g float64)
	switch estimator {
	case "k1":
		f = func(d float64) (float64, float64) { return d, 1 }
	case "k2":
		f = func(d float64) (float64, float64) { return d * d / 2, d }
	case "k3":
		f = func(d float64) (float64, float64) { e := math.Exp(-d); return e - 1 + d, 1 - e }
	default:
		return KLResult{}, fmt.Errorf("%s: invalid kl_estimator %q (want k1, k2 or k3)", fn, estimator)
	}
	out := KLResult{KL: likeZeros(logProbs), Grad: likeZeros(logProbs)}
	for i, row := range logProbs {
		base, kr, gr := logProbsBase[i], out.KL[i], out.Grad[i]
		for t, lp := range row {
			v, g := f(lp - base[t])
			kr[t], gr[t] = clamp(v, -10, 10), g*dClamp(v, -10, 10)
		}
	}
	return out, nil
}
