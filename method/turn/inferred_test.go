package turn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// CALM's r_aux (credo's default 0.1, the paper's magnitude not found):
// the shaped reward differs from the environment reward by exactly r_aux
// on the steps labelled at or above the threshold and by 0 elsewhere, so
// with γ = 1 the first turn's return grows by r_aux × (number of subgoal
// steps); r_aux = 0, or labels all below the threshold, give the
// environment reward itself, and through the registry calm with
// aux_reward=0 equals calm on the same batch with every label 0.
func TestCALMAuxProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for trial := 0; trial < 200; trial++ {
		rows := 1 + rng.IntN(4)
		env, lab := make([][]float64, rows), make([][]float64, rows)
		for i := range env {
			K := rng.IntN(5)
			env[i], lab[i] = make([]float64, K), make([]float64, K)
			for k := range env[i] {
				env[i][k] = rng.Float64()*2 - 1
				lab[i][k] = float64(rng.IntN(5)) / 4
			}
		}
		aux, thr := rng.Float64(), float64(rng.IntN(5))/4
		shaped, err := CALMShapedRewards(env, lab, CALMOptions{AuxReward: aux, Threshold: thr})
		if err != nil {
			t.Fatal(err)
		}
		for i := range env {
			n := 0
			for k := range env[i] {
				want := env[i][k]
				if lab[i][k] >= thr {
					want += aux
					n++
				}
				if shaped[i][k] != want {
					t.Fatalf("row %d step %d: %v, want %v", i, k, shaped[i][k], want)
				}
			}
			G, G0 := 0.0, 0.0
			for k := range env[i] {
				G += shaped[i][k]
				G0 += env[i][k]
			}
			if math.Abs(G-G0-aux*float64(n)) > 1e-12 {
				t.Fatalf("row %d: return shift %v, want r_aux·%d = %v", i, G-G0, n, aux*float64(n))
			}
		}
		none, _ := CALMShapedRewards(env, lab, CALMOptions{AuxReward: aux, Threshold: 2})
		checkRows(t, "labels below threshold", none, env, 0)
	}
	mk := func(zeroLabels bool) *rollout.Batch {
		b := &rollout.Batch{}
		for i := 0; i < 3; i++ {
			tr := &rollout.Trajectory{ID: string(rune('a' + i)), Group: "g", Tokens: make([]int64, 4)}
			for k := 0; k < 2; k++ {
				l := float64((i + k) % 2)
				if zeroLabels {
					l = 0
				}
				tr.Steps = append(tr.Steps, rollout.Step{Start: 2 * k, End: 2*k + 2,
					Rewards: map[string]float64{"reward": float64(i*k) / 3}, Labels: map[string]float64{"subgoal": l}})
			}
			b.Trajectories = append(b.Trajectories, tr)
		}
		return b
	}
	a, z := mk(false), mk(true)
	if err := credit.Assign(a, "calm", "aux_reward=0"); err != nil {
		t.Fatal(err)
	}
	if err := credit.Assign(z, "calm"); err != nil {
		t.Fatal(err)
	}
	for i := range a.Trajectories {
		checkRows(t, "aux 0", [][]float64{a.Trajectories[i].Advantages}, [][]float64{z.Trajectories[i].Advantages}, 0)
	}
}
