package turn

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// LaRe's decoder: the step of the paper's mechanism between the LLM-written
// encoder and the redistribution. The encoder φ maps each step (s_t, a_t)
// to a vector of latent reward factors z_t; the decoder f maps z_t to a
// scalar step reward r̂_t = f(z_t) and is trained by return decomposition,
// so that the step rewards of an episode sum to its episodic return:
//
//	min_f  Σ_i ( Σ_t f(z_it) − R_i )²
//
// credo's decoder is linear, f(z) = w·z (the paper's is a small network),
// with a ridge term λ|w|² (λ = 0 is plain least squares): then the
// objective is a linear least-squares problem in w over the per-episode
// factor sums Z_i = Σ_t z_it,
//
//	w = argmin_w Σ_i (w·Z_i − R_i)² + λ|w|²,
//
// solved by QR on the stacked system [Z; √λ·I] w = [R; 0] (gonum).

// LaReFitDecoder fits LaRe's linear decoder: factors[i][t] is the factor
// vector z_it of step t of episode i (every vector of the same length d),
// returns[i] is R_i, lambda ≥ 0 the ridge weight. It returns w (length d).
// Episodes without steps contribute Z_i = 0. Errors: ragged or non-finite
// factors, non-finite returns, a negative lambda, no episode, and (lambda
// = 0) factor sums without full column rank.
//
// Paper: Qu et al., "Latent Reward: LLM-Empowered Credit Assignment in
// Episodic Reinforcement Learning", arXiv:2412.11120 (LaRe, spec row #11):
// the decoder trained by return decomposition over the encoder's latent
// factors. The linear form and the ridge term are credo's.
func LaReFitDecoder(factors [][][]float64, returns []float64, lambda float64) ([]float64, error) {
	const fn = "lare.decoder"
	n := len(factors)
	if len(returns) != n {
		return nil, fmt.Errorf("%s: %d returns for %d episodes of factors", fn, len(returns), n)
	}
	if !(lambda >= 0) || math.IsInf(lambda, 0) {
		return nil, fmt.Errorf("%s: ridge = %v, want a finite number >= 0", fn, lambda)
	}
	d := -1
	for i, ep := range factors {
		for t, z := range ep {
			if d < 0 {
				d = len(z)
			}
			if len(z) != d {
				return nil, fmt.Errorf("%s: episode %d step %d has %d factors, want %d like the first step", fn, i, t, len(z), d)
			}
		}
	}
	if n == 0 || d <= 0 {
		return nil, fmt.Errorf("%s: no factors to fit (%d episodes, %d factors per step)", fn, n, max(d, 0))
	}
	rows := n
	if lambda > 0 {
		rows += d
	}
	A := mat.NewDense(rows, d, nil)
	y := mat.NewDense(rows, 1, nil)
	for i, ep := range factors {
		if math.IsNaN(returns[i]) || math.IsInf(returns[i], 0) {
			return nil, fmt.Errorf("%s: return of episode %d is %v", fn, i, returns[i])
		}
		y.Set(i, 0, returns[i])
		for t, z := range ep {
			for j, x := range z {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return nil, fmt.Errorf("%s: episode %d step %d factor %d is %v", fn, i, t, j, x)
				}
				A.Set(i, j, A.At(i, j)+x)
			}
		}
	}
	if lambda > 0 {
		s := math.Sqrt(lambda)
		for j := 0; j < d; j++ {
			A.Set(n+j, j, s)
		}
	}
	var w mat.Dense
	if err := w.Solve(A, y); err != nil {
		var c mat.Condition
		if errors.As(err, &c) {
			return nil, fmt.Errorf("%s: the episodes' factor sums do not determine the decoder (condition number %.3g; %d episodes, %d factors): set ridge > 0", fn, float64(c), n, d)
		}
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	out := make([]float64, d)
	for j := range out {
		out[j] = w.At(j, 0)
		if math.IsNaN(out[j]) || math.IsInf(out[j], 0) {
			return nil, fmt.Errorf("%s: the fit gave a non-finite weight %d; set ridge > 0", fn, j)
		}
	}
	return out, nil
}

// LaReDecode applies the linear decoder w to every step's factors:
// scores[i][t] = w·factors[i][t], LaRe's r̂_t (the input of
// LaReRedistribute).
func LaReDecode(w []float64, factors [][][]float64) ([][]float64, error) {
	out := make([][]float64, len(factors))
	for i, ep := range factors {
		out[i] = make([]float64, len(ep))
		for t, z := range ep {
			if len(z) != len(w) {
				return nil, fmt.Errorf("lare.decoder: episode %d step %d has %d factors, the decoder %d", i, t, len(z), len(w))
			}
			s := 0.0
			for j, x := range z {
				s += w[j] * x
			}
			out[i][t] = s
		}
	}
	return out, nil
}

// LaRe decoder parameters of the "lare" method.
var (
	pLaReDecoder = credit.StringParam{Param: credit.Param{Name: "decoder", Kind: credit.String, Default: "given", Choices: []string{"given", "ridge"},
		Doc:    "given: steps[].values.<score> are the decoder's outputs; ridge: fit the linear decoder w·z on this batch from the factors (return decomposition)",
		Origin: credit.ByCredo("given keeps the behaviour of credo before the decoder fit; ridge is the paper's return decomposition with a linear decoder")}}
	pLaReFactors = credit.StringParam{Param: credit.Param{Name: "factors", Kind: credit.String, Default: "z",
		Doc:    "decoder=ridge: the latent factors of a turn are steps[].values.<factors>0, <factors>1, ... (the encoder's output)",
		Origin: credit.ByCredo("a naming choice: the factor keys are the prefix followed by the factor index")}}
	pLaReRidge = credit.FloatParam{Param: credit.Param{Name: "ridge", Kind: credit.Float, Default: 1.0,
		Doc:    "decoder=ridge: ridge weight λ of the decoder fit (credo's choice: keeps the fit defined with collinear factors or few episodes; 0 = least squares)",
		Origin: credit.NotInPaper("λ = 1 keeps the fit defined with collinear factors or fewer episodes than factors"), Range: credit.NonNeg}}
)

// inLaReFactors is the factor input of decoder=ridge.
var inLaReFactors = everyTurn("steps[].values.<factors>0.. (decoder=ridge)", "latent factor vector per turn (encoder output)", func(s *rollout.Step, v credit.Values) bool {
	if pLaReDecoder.Get(v) != "ridge" {
		return true
	}
	_, ok := s.Values[pLaReFactors.Get(v)+"0"]
	return ok
})

// lareFactors reads the factor vectors of every turn: keys prefix0,
// prefix1, ... up to the first missing index on the batch's first turn;
// every turn must have the same keys.
func lareFactors(b *rollout.Batch, idx [][]int, prefix string) ([][][]float64, error) {
	d := -1
	out := make([][][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		out[i] = make([][]float64, len(idx[i]))
		for k, si := range idx[i] {
			vals := t.Steps[si].Values
			if d < 0 {
				d = 0
				for {
					if _, ok := vals[prefix+strconv.Itoa(d)]; !ok {
						break
					}
					d++
				}
				if d == 0 {
					return nil, fmt.Errorf("trajectory %d (traj_uid %q): steps[%d].values.%s0 is missing: decoder=ridge reads the factors %s0, %s1 and so on", i, t.ID, si, prefix, prefix, prefix)
				}
			}
			z := make([]float64, d)
			for j := range z {
				x, ok := vals[prefix+strconv.Itoa(j)]
				if !ok {
					return nil, fmt.Errorf("trajectory %d (traj_uid %q): steps[%d].values.%s%d is missing: every turn needs the %d factors of the first turn", i, t.ID, si, prefix, j, d)
				}
				z[j] = x
			}
			if _, extra := vals[prefix+strconv.Itoa(d)]; extra {
				return nil, fmt.Errorf("trajectory %d (traj_uid %q): steps[%d] has more than the %d factors %s0..%s%d of the first turn", i, t.ID, si, d, prefix, prefix, d-1)
			}
			out[i][k] = z
		}
	}
	return out, nil
}

func runLaRe(b *rollout.Batch, v credit.Values) error {
	n := len(b.Trajectories)
	spans := make([][]Span, n)
	idx := make([][]int, n)
	R, scores := make([]float64, n), make([][]float64, n)
	for i, t := range b.Trajectories {
		ix, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		idx[i], spans[i] = ix, sp
		R[i], _ = credit.Outcome(t, credit.Reward.Get(v))
		scores[i] = make([]float64, len(ix))
		for k, si := range ix {
			scores[i][k] = t.Steps[si].Values[pLareScore.Get(v)]
		}
	}
	switch pLaReDecoder.Get(v) {
	case "given":
	case "ridge":
		z, err := lareFactors(b, idx, pLaReFactors.Get(v))
		if err != nil {
			return err
		}
		w, err := LaReFitDecoder(z, R, pLaReRidge.Get(v))
		if err != nil {
			return err
		}
		if scores, err = LaReDecode(w, z); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown decoder %q (want given or ridge)", pLaReDecoder.Get(v))
	}
	r, err := LaReRedistribute(R, scores, LaReMode(pLareMode.Get(v)))
	if err != nil {
		return err
	}
	return storeTurnCredit(b, spans, r, v)
}
