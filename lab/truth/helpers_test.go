package truth

import (
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/credo-rl/credo/lab/env"
)

// hashedPolicy is a fixed random softmax policy: logits in [−temp, temp]
// drawn from a hash of (seed, ObsKey, action); time-unaware and a function
// of the acting player's information set.
func hashedPolicy(e env.Env, seed uint64, temp float64) Policy {
	nA := len(e.Actions())
	return func(s env.State, t int) []float64 {
		h := fnv.New64a()
		h.Write([]byte(env.ObsKey(e, s)))
		base := h.Sum64() ^ seed*0x9e3779b97f4a7c15
		legal := e.Legal(s)
		p := make([]float64, nA)
		sum := 0.0
		for a := range p {
			if legal == nil || legal[a] {
				x := splitmix(base + uint64(a))
				p[a] = math.Exp(temp * (2*float64(x>>11)/(1<<53) - 1))
				sum += p[a]
			}
		}
		for a := range p {
			p[a] /= sum
		}
		return p
	}
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func uniformPolicy(e env.Env) Policy { return hashedPolicy(e, 0, 0) }

// startsOf is the environment's start distribution, or three sampled starts.
func startsOf(e env.Env, seed uint64) []env.Weighted {
	if sd := e.StartDist(); sd != nil {
		return sd
	}
	rng := rand.New(rand.NewPCG(seed, 77))
	var out []env.Weighted
	for i := 0; i < 3; i++ {
		out = append(out, env.Weighted{S: e.Start(rng), P: 1.0 / 3})
	}
	return out
}

func sampleAction(p []float64, rng *rand.Rand) int {
	u := rng.Float64()
	for a, x := range p {
		u -= x
		if u < 0 && x > 0 {
			return a
		}
	}
	for a := len(p) - 1; a >= 0; a-- {
		if p[a] > 0 {
			return a
		}
	}
	return 0
}

// rollout plays one episode from (s, t0), with action forced at t0 when
// forced ≥ 0, and returns the γ-discounted return per role (discounting
// from t0).
func rollout(e env.Env, pi Policy, s env.State, t0, forced int, gamma float64, rng *rand.Rand) []float64 {
	ret := make([]float64, e.Roles())
	disc := 1.0
	for t := t0; t < e.Horizon(); t++ {
		a := forced
		if t != t0 || forced < 0 {
			a = sampleAction(pi(s, t), rng)
		}
		tr := env.SampleStep(e, s, t, a, rng)
		for r := range ret {
			ret[r] += disc * tr.Reward[r]
		}
		disc *= gamma
		if tr.Done {
			break
		}
		s = tr.Next
	}
	return ret
}

// meanSE is the sample mean and its standard error.
func meanSE(xs []float64) (float64, float64) {
	n := float64(len(xs))
	m := 0.0
	for _, x := range xs {
		m += x
	}
	m /= n
	v := 0.0
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	v /= n - 1
	return m, math.Sqrt(v / n)
}

// zFamily is the normal quantile giving simultaneous 99% coverage to m
// intervals (Bonferroni: two-sided level 0.01/m).
func zFamily(m int) float64 {
	// Inverse of the normal tail by bisection on erfc.
	target := 0.01 / float64(m)
	lo, hi := 0.0, 10.0
	for i := 0; i < 100; i++ {
		mid := (lo + hi) / 2
		if math.Erfc(mid/math.Sqrt2) > target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}
