package turn

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/internal/groups"
)

// OPRLSignal selects which per-step quantity OPRL normalises into the step
// advantage.
type OPRLSignal string

// OPRL step signals.
const (
	// OPRLReward uses each step's implicit reward r_k itself (default).
	OPRLReward OPRLSignal = "reward"
	// OPRLReturn uses the discounted reward-to-go Σ_{j≥k} γ^{j−k} r_j.
	OPRLReturn OPRLSignal = "return"
)

// OPRLOptions are OPRL's hyper-parameters. The paper does not give the
// normalisation or the combination weight; the defaults are credo's
// choices (docs/methods/turn.md).
type OPRLOptions struct {
	// Beta scales the implicit reward β·log(π_φ/π_old) (default 0.05,
	// DPO-typical; the paper's value was not found).
	Beta float64
	// StepCoef is the weight α of the step advantage (default 1, as
	// GiGPO's ω).
	StepCoef float64
	// StepNorm is the comparison set of the step signal (default
	// NormGroup).
	StepNorm Norm
	// Signal is OPRLReward (default) or OPRLReturn.
	Signal OPRLSignal
	// Gamma discounts the step rewards for OPRLReturn (default 1).
	Gamma float64
	// NormByStd divides both the episode and the step part by their
	// standard deviations (default true).
	NormByStd bool
	// Epsilon is added to the standard deviations (default 1e-6).
	Epsilon float64
}

// DefaultOPRLOptions returns Beta 0.05, StepCoef 1, NormGroup, OPRLReward,
// Gamma 1, NormByStd true, Epsilon 1e-6.
func DefaultOPRLOptions() OPRLOptions {
	return OPRLOptions{Beta: 0.05, StepCoef: 1, StepNorm: NormGroup, Signal: OPRLReward, Gamma: 1, NormByStd: true, Epsilon: 1e-6}
}

// ImplicitStepRewards computes OPRL's implicit process reward of each step
// of one trajectory:
//
//	r_k = β · Σ_{t ∈ step k, mask_t ≠ 0} (log π_φ(t) − log π_old(t))
//
// i.e. β·log(π_φ(a_k|o_{1:k})/π_old(a_k|o_{1:k})) for the step's action
// tokens (tokens with mask 0, such as observations, are left out). A nil
// mask means all ones. steps must be in order and disjoint.
//
// Paper: "Online Process Reward Learning for Agentic Reinforcement
// Learning" (arXiv:2509.19199), spec row #2. No reference code.
func ImplicitStepRewards(logpPhi, logpOld, mask []float64, steps []Span, beta float64) ([]float64, error) {
	n := len(logpPhi)
	if len(logpOld) != n || (mask != nil && len(mask) != n) {
		return nil, fmt.Errorf("oprl: log_probs.prm_phi has %d values, old_log_probs %d, mask %d; want equal lengths", n, len(logpOld), len(mask))
	}
	if !arrays.Finite(beta) {
		return nil, fmt.Errorf("oprl: beta = %v must be finite", beta)
	}
	if err := checkSpans("oprl: steps", -1, steps, n); err != nil {
		return nil, err
	}
	out := make([]float64, len(steps))
	for k, s := range steps {
		sum := 0.0
		for t := s.Start; t < s.End; t++ {
			if mask != nil && mask[t] == 0 {
				continue
			}
			sum += logpPhi[t] - logpOld[t]
		}
		if !arrays.Finite(sum) {
			return nil, fmt.Errorf("oprl: step %d [%d, %d): log-prob ratio sum %v is not finite", k, s.Start, s.End, sum)
		}
		out[k] = beta * sum
	}
	return out, nil
}

// OPRL combines episode- and step-level advantages per step:
//
//	A_E[i]    = (R_i − mean_g) / (std_g + eps)      GRPO over the group g of row i
//	                                                (verl.GRPOScalar: unbiased std,
//	                                                singleton keeps R/(1+eps))
//	x[i][k]   = r[i][k]                             (OPRLReward)
//	          = Σ_{j≥k} γ^{j−k} r[i][j]             (OPRLReturn)
//	A_S[i][k] = NormalizeSets(x) over StepNorm      (group: all steps of the group;
//	                                                batch: all steps; none: x)
//	A[i][k]   = A_E[i] + α·A_S[i][k]
//
// outcome[i] is row i's outcome reward, group[i] its group id and
// stepRewards[i] its implicit step rewards (ImplicitStepRewards). With
// β = 0 every step reward is 0, A_S = 0 and A = A_E. The step rewards are a
// potential-based shaping (the paper's argument), so adding them does not
// change the optimal policy.
//
// Paper: "Online Process Reward Learning for Agentic Reinforcement
// Learning" (arXiv:2509.19199), spec row #2. The normalisation and weight
// of the step part are NOT given by the paper; this is credo's GiGPO-like
// reading (spec §2.1).
func OPRL(outcome []float64, group []string, stepRewards [][]float64, opt OPRLOptions) ([][]float64, error) {
	b := len(outcome)
	if len(group) != b || len(stepRewards) != b {
		return nil, fmt.Errorf("oprl: outcome has %d rows, group %d, step rewards %d; want equal", b, len(group), len(stepRewards))
	}
	g, ng := groups.Index(group)
	ae, err := verl.GRPOScalar(outcome, g, ng, verl.GRPOOptions{Epsilon: opt.Epsilon, NormByStd: opt.NormByStd})
	if err != nil {
		return nil, fmt.Errorf("oprl: episode advantage: %w", err)
	}
	x := stepRewards
	switch opt.Signal {
	case OPRLReward, "":
	case OPRLReturn:
		if x, err = TurnReturns(stepRewards, opt.Gamma); err != nil {
			return nil, fmt.Errorf("oprl: %w", err)
		}
	default:
		return nil, fmt.Errorf("oprl: unknown step signal %q (want reward or return)", opt.Signal)
	}
	as, err := normalizeRows(x, g, ng, opt.StepNorm, opt.NormByStd, opt.Epsilon)
	if err != nil {
		return nil, fmt.Errorf("oprl: step advantage: %w", err)
	}
	out := make([][]float64, b)
	for i, row := range as {
		a := make([]float64, len(row))
		for k, s := range row {
			a[k] = ae[i] + opt.StepCoef*s
		}
		out[i] = a
	}
	return out, nil
}

// PRMDPOLoss is OPRL's implicit-PRM objective over preference pairs of
// trajectories of the same task, a trajectory-level DPO against the old
// policy:
//
//	J = −mean_p log σ( β·(Δ⁺_p − Δ⁻_p) ),   Δ = Σ_t (log π_φ(t) − log π_old(t))
//
// where chosen[p] and rejected[p] are the Δ of the preferred and the
// dispreferred trajectory of pair p (the pair is built from outcome
// rewards). credo does not train the PRM; the function is given so that the
// objective the step rewards come from is explicit and testable.
//
// Paper: OPRL (arXiv:2509.19199), spec row #2.
func PRMDPOLoss(chosen, rejected []float64, beta float64) (float64, error) {
	if len(chosen) != len(rejected) || len(chosen) == 0 {
		return 0, fmt.Errorf("oprl: chosen has %d log-ratios, rejected %d; want equal non-zero lengths", len(chosen), len(rejected))
	}
	s := 0.0
	for p := range chosen {
		z := beta * (chosen[p] - rejected[p])
		if !arrays.Finite(z) {
			return 0, fmt.Errorf("oprl: pair %d: β·(Δ⁺ − Δ⁻) = %v is not finite", p, z)
		}
		s += softplus(-z) // −log σ(z)
	}
	return s / float64(len(chosen)), nil
}

// softplus is log(1 + e^x), computed without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}
