package group

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/credo-rl/credo/rollout"
)

// Properties of the formulas credo inferred where the papers are silent
// (Trust-GRPO's α and trust weight γ, GRPO-λ's λ), next to the
// hand-computed vectors of trust_test.go and grpolambda_test.go.

func randomOutcomes(rng *rand.Rand, groupsN, per int) (o, th []float64, idx []string) {
	for g := 0; g < groupsN; g++ {
		for k := 0; k < per; k++ {
			o = append(o, float64(rng.IntN(2)))
			th = append(th, rng.Float64())
			idx = append(idx, "g"+strconv.Itoa(g))
		}
	}
	return
}

func batchOf(o, th []float64, idx []string, lens []int) *rollout.Batch {
	b := &rollout.Batch{}
	for i := range o {
		b.Trajectories = append(b.Trajectories, traj("t"+strconv.Itoa(i), idx[i], lens[i], map[string]float64{"outcome": o[i], "thinking": th[i]}))
	}
	return b
}

// Trust-GRPO: γ ∈ (0, 1], γ = 1 exactly when the correct responses' mean
// thinking reward is at least the incorrect ones' (or a side is empty), and
// γ = exp(μ_c − μ_w) otherwise; α = 0 removes the thinking reward (R = R^o),
// and so trust_grpo with alpha=0 is verl.grpo on the outcome.
func TestTrustProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 200; trial++ {
		o, th, idx := randomOutcomes(rng, 1+rng.IntN(3), 1+rng.IntN(5))
		gamma, err := TrustWeights(o, th, idx, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		for i := range o {
			var sc, sw float64
			var nc, nw int
			for j := range o {
				if idx[j] != idx[i] {
					continue
				}
				if o[j] >= 0.5 {
					sc += th[j]
					nc++
				} else {
					sw += th[j]
					nw++
				}
			}
			want := 1.0
			if nc > 0 && nw > 0 && sc/float64(nc) < sw/float64(nw) {
				want = math.Exp(sc/float64(nc) - sw/float64(nw))
			}
			if !(gamma[i] > 0 && gamma[i] <= 1) || math.Abs(gamma[i]-want) > 1e-12 {
				t.Fatalf("trial %d row %d: γ = %v, want %v", trial, i, gamma[i], want)
			}
		}
		r, err := TrustRewards(o, th, idx, 3, TrustOptions{Alpha: 0, Threshold: 0.5, AnnealT: 10})
		if err != nil {
			t.Fatal(err)
		}
		assertVec(t, "alpha 0", r, o, 0)
		// The thinking term never exceeds α·R^t and, with annealing, shrinks
		// with the step.
		r1, _ := TrustRewards(o, th, idx, 1, TrustOptions{Alpha: 0.7, Threshold: 0.5, AnnealT: 4})
		r9, _ := TrustRewards(o, th, idx, 9, TrustOptions{Alpha: 0.7, Threshold: 0.5, AnnealT: 4})
		for i := range o {
			if r1[i]-o[i] > 0.7*th[i]+1e-15 || r9[i]-o[i] > r1[i]-o[i]+1e-15 {
				t.Fatalf("row %d: thinking terms %v (step 1), %v (step 9), α·R^t = %v", i, r1[i]-o[i], r9[i]-o[i], 0.7*th[i])
			}
		}
	}
	// Registry: alpha = 0 is verl.grpo on the outcome.
	o, th, idx := randomOutcomes(rng, 3, 4)
	lens := make([]int, len(o))
	for i := range lens {
		lens[i] = 1 + rng.IntN(4)
	}
	b := batchOf(o, th, idx, lens)
	m := lookup(t, "trust_grpo")
	if err := m.Assign(b, values(t, m, "alpha=0")); err != nil {
		t.Fatal(err)
	}
	assertAdv(t, b, grpoOf(t, o, idx, b), 1e-12)
}

// GRPO-λ: with λ = 0 no group is selected and the reward is the 0/1
// correctness, so grpo_lambda with lambda=0 is verl.grpo on correctness;
// with λ = 1 every group gets the length-penalised reward, and then a
// group whose responses all have the same length gets 1 (correct) and 0
// (incorrect): the length term is 0.
func TestGRPOLambdaReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	o, th, idx := randomOutcomes(rng, 4, 4)
	lens := make([]int, len(o))
	for i := range lens {
		lens[i] = 1 + rng.IntN(5)
	}
	b := batchOf(o, th, idx, lens)
	m := lookup(t, "grpo_lambda")
	if err := m.Assign(b, values(t, m, "lambda=0")); err != nil {
		t.Fatal(err)
	}
	assertAdv(t, b, grpoOf(t, o, idx, b), 1e-12)

	same := make([]float64, len(o))
	for i := range same {
		same[i] = 3
	}
	r, sel, err := GRPOLambdaRewards(o, same, idx, GRPOLambdaOptions{Lambda: 1, Threshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	for i := range r {
		if !sel[i] || r[i] != o[i] {
			t.Fatalf("row %d: selected %v, reward %v, want the 0/1 outcome %v", i, sel[i], r[i], o[i])
		}
	}
}
