package reward

import (
	"fmt"
	"math"
)

// AnswerConfidence returns the confidence of a response in its answer from
// the log-probs of its answer tokens:
//
//	geo_mean:  conf = exp( (1/|A|) Σ_{t∈A} log p_t )   (geometric-mean probability)
//	mean_prob: conf = (1/|A|) Σ_{t∈A} p_t
//	product:   conf = exp( Σ_{t∈A} log p_t )            (probability of the whole answer)
//
// logp are the response's per-token log-probs and answer marks the answer
// tokens A (non-empty). Every log-prob must be finite and ≤ 0.
func AnswerConfidence(logp []float64, answer []bool, agg string) (float64, error) {
	if len(answer) != len(logp) {
		return 0, fmt.Errorf("%d answer marks for %d log-probs", len(answer), len(logp))
	}
	var s, sp, n float64
	for t, a := range answer {
		if !a {
			continue
		}
		lp := logp[t]
		if math.IsNaN(lp) || lp > 0 || math.IsInf(lp, 1) {
			return 0, fmt.Errorf("log-prob of token %d is %v, want a number <= 0", t, lp)
		}
		s += lp
		sp += math.Exp(lp)
		n++
	}
	if n == 0 {
		return 0, fmt.Errorf("no answer tokens")
	}
	switch agg {
	case "geo_mean":
		return math.Exp(s / n), nil
	case "mean_prob":
		return sp / n, nil
	case "product":
		return math.Exp(s), nil
	}
	return 0, fmt.Errorf("aggregation %q, want geo_mean, mean_prob or product", agg)
}
