package group

import (
	"fmt"
	"math"
)

// BStarSample is one sampled response to a query.
type BStarSample struct {
	// Answer identifies the response for de-duplication (its final answer
	// or its normalised text): correct responses with the same Answer count
	// once in n′.
	Answer string
	// Correct is the verifier's verdict.
	Correct bool
	// Reward is the reward-model (or PRM) score the threshold τ filters on.
	Reward float64
}

// BalanceScore is B-STaR's balance score of one query:
//
//	bs = min(n′/n*, 1) · (n′/n)
//
// where n is the number of responses kept, n′ the number of unique correct
// responses among them and n* the target count. The first factor rewards
// exploration (enough distinct correct solutions), the second exploitation
// (a clean kept set). n = 0 gives 0.
//
// Paper: "B-STaR: Monitoring and Balancing Exploration and Exploitation in
// Self-Taught Reasoners" (arXiv:2412.17256), methods.md #54. The form is the
// catalogue's recalled one (marked "verify"); code hkust-nlp/B-STaR not
// inspected.
func BalanceScore(nUniqueCorrect, nKept int, nStar float64) float64 {
	if nKept <= 0 || nUniqueCorrect <= 0 {
		return 0
	}
	return math.Min(float64(nUniqueCorrect)/nStar, 1) * float64(nUniqueCorrect) / float64(nKept)
}

// BStarQueryScore applies the threshold τ to one query's samples (a
// response is kept when its Reward >= tau) and returns the balance score of
// what is kept.
func BStarQueryScore(samples []BStarSample, tau, nStar float64) float64 {
	kept := 0
	unique := map[string]bool{}
	for _, s := range samples {
		if s.Reward < tau {
			continue
		}
		kept++
		if s.Correct {
			unique[s.Answer] = true
		}
	}
	return BalanceScore(len(unique), kept, nStar)
}

// BStarPool is the samples drawn with one sampling configuration
// (temperature) for each query of the probe set: Queries[q] are the
// responses to query q.
type BStarPool struct {
	Temperature float64
	Queries     [][]BStarSample
}

// BStarChoice is the configuration B-STaR picks and the scores of all.
type BStarChoice struct {
	// Pool and Threshold index the chosen temperature and threshold.
	Pool, Threshold int
	// Temperature, Tau and Score are the chosen values and their average
	// balance score.
	Temperature, Tau, Score float64
	// Scores[pool][threshold] is the average balance score over the queries.
	Scores [][]float64
}

// BStarChoose evaluates every (temperature, threshold) pair — the pools
// sampled at each temperature, filtered at each τ of thresholds — by its
// average balance score over the queries, and returns the best pair (ties:
// the first pool, then the first threshold). It is run each iteration of
// self-improvement on a small probe set of queries.
//
// Paper: "B-STaR" (arXiv:2412.17256), methods.md #54.
func BStarChoose(pools []BStarPool, thresholds []float64, nStar float64) (*BStarChoice, error) {
	if len(pools) == 0 {
		return nil, fmt.Errorf("bstar: no sampling configurations")
	}
	if len(thresholds) == 0 {
		return nil, fmt.Errorf("bstar: no reward thresholds (use {-Inf} for none)")
	}
	if !(nStar > 0) || math.IsInf(nStar, 1) {
		return nil, fmt.Errorf("bstar: n* is %v, want a finite number > 0", nStar)
	}
	for k, tau := range thresholds {
		if math.IsNaN(tau) {
			return nil, fmt.Errorf("bstar: thresholds[%d] is NaN", k)
		}
	}
	best := &BStarChoice{Score: math.Inf(-1), Scores: make([][]float64, len(pools))}
	for pi, pool := range pools {
		if len(pool.Queries) == 0 {
			return nil, fmt.Errorf("bstar: pool %d (temperature %v) has no queries", pi, pool.Temperature)
		}
		for q, samples := range pool.Queries {
			for m, s := range samples {
				if math.IsNaN(s.Reward) {
					return nil, fmt.Errorf("bstar: pool %d query %d sample %d has reward NaN", pi, q, m)
				}
			}
		}
		row := make([]float64, len(thresholds))
		for ti, tau := range thresholds {
			s := 0.0
			for _, samples := range pool.Queries {
				s += BStarQueryScore(samples, tau, nStar)
			}
			row[ti] = s / float64(len(pool.Queries))
			if row[ti] > best.Score {
				best.Pool, best.Threshold, best.Score = pi, ti, row[ti]
				best.Temperature, best.Tau = pool.Temperature, tau
			}
		}
		best.Scores[pi] = row
	}
	return best, nil
}
