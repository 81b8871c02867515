package tree

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/credo-rl/credo/anchor/spo"
	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/rollout"
)

func logs(p ...float64) []float64 {
	out := make([]float64, len(p))
	for i, x := range p {
		out[i] = math.Log(x)
	}
	return out
}

func TestChainCutpoints(t *testing.T) {
	// p < 0.9 at tokens 0 2 3 5 6 -> cutpoints (t-1) = -1 1 2 4 5.
	lp := logs(0.5, 0.95, 0.3, 0.8, 0.99, 0.2, 0.1)
	for _, c := range []struct {
		interval int
		want     []int
	}{{1, []int{-1, 1, 2, 4, 5}}, {2, []int{-1, 2, 5}}, {5, []int{-1}}} {
		got, err := ChainCutpoints(lp, 0.9, c.interval)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("interval %d: %v %v, want %v", c.interval, got, err, c.want)
		}
	}
	if got, _ := ChainCutpoints(logs(0.95, 0.99), 0.9, 1); got != nil {
		t.Errorf("confident response: %v", got)
	}
	if _, err := ChainCutpoints(lp, 0.9, 0); err == nil {
		t.Error("interval 0 accepted")
	}
	if _, err := ChainCutpoints([]float64{math.NaN()}, 0.9, 1); err == nil {
		t.Error("NaN accepted")
	}
}

func TestChainSegments(t *testing.T) {
	for _, c := range []struct {
		n    int
		cuts []int
		want [][2]int
	}{
		{7, []int{-1, 2, 5}, [][2]int{{0, 3}, {3, 6}, {6, 7}}},
		{7, []int{1, 6}, [][2]int{{0, 2}, {2, 7}}},
		{3, nil, [][2]int{{0, 3}}},
	} {
		got, err := ChainSegments(c.n, c.cuts)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ChainSegments(%d, %v) = %v %v, want %v", c.n, c.cuts, got, err, c.want)
		}
	}
	if _, err := ChainSegments(5, []int{2, 1}); err == nil {
		t.Error("descending cutpoints accepted")
	}
}

// chainBatch: trajectories A and B of group g share the prefix [10 11].
//
//	A = [10 11 12 13], p = [0.5 0.95 0.3 0.99], score 1
//	B = [10 11 20],    p = [0.5 0.95 0.4],      score 0
//
// Interval 1: both have cutpoints -1 and 1 (tokens 0 and 2 uncertain), the
// same two prefixes (0 and 2 tokens), requested once each.
func chainBatch(withProbes bool) *rollout.Batch {
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{
		{ID: "A", Group: "g", Tokens: []int64{10, 11, 12, 13}, OldLogProbs: logs(0.5, 0.95, 0.3, 0.99), Rewards: map[string]float64{"outcome": 1}},
		{ID: "B", Group: "g", Tokens: []int64{10, 11, 20}, OldLogProbs: logs(0.5, 0.95, 0.4), Rewards: map[string]float64{"outcome": 0}},
	}}
	if withProbes {
		// Prefix 0: outcomes 1 0 -> V(-1) = 0.5. Prefix 2 (planned for A,
		// used by B too): outcomes 1 0 0 0 -> V(1) = 0.25.
		for k, p := range []struct {
			parent string
			token  int
			r      float64
		}{{"A", 0, 1}, {"A", 0, 0}, {"A", 2, 1}, {"A", 2, 0}, {"B", 2, 0}, {"B", 2, 0}} {
			b.Trajectories = append(b.Trajectories, &rollout.Trajectory{ID: "p" + string(rune('0'+k)), Group: "g", Probe: true,
				Parent: &rollout.Branch{Trajectory: p.parent, Token: p.token}, Tokens: []int64{99}, Rewards: map[string]float64{"outcome": p.r}})
		}
	}
	return b
}

func TestPlanChainProbes(t *testing.T) {
	opt := DefaultChainPlanOptions()
	opt.Interval = 1
	reqs, err := PlanChainProbes(chainBatch(false), "mc", opt)
	if err != nil {
		t.Fatal(err)
	}
	want := []ProbeRequest{
		{Trajectory: "A", Row: 0, Group: "g", Prefix: 0, Samples: 9, Rows: []int{0, 1}},
		{Trajectory: "A", Row: 0, Group: "g", Prefix: 2, Samples: 9, Rows: []int{0, 1}},
	}
	if !reflect.DeepEqual(reqs, want) {
		t.Fatalf("requests = %+v, want %+v", reqs, want)
	}
	b := chainBatch(false)
	b.Trajectories[1].OldLogProbs = nil
	if _, err := PlanChainProbes(b, "mc", opt); err == nil {
		t.Error("missing old_log_probs accepted")
	}
}

func TestChainBatchProbes(t *testing.T) {
	opt := DefaultChainBatchOptions()
	opt.Plan.Interval = 1
	res, err := ChainBatch(chainBatch(true), opt)
	if err != nil {
		t.Fatal(err)
	}
	// A: V(-1)=0.5, V(1)=0.25, V(3)=1: A[1] = 0.25-0.5 = -0.25, A[3] = 1-0.25
	// = 0.75; back-fill A[0] = -0.25, A[2] = 0.75; p > 0.9 at 1 and 3 -> 0.
	// B: V(-1)=0.5, V(1)=0.25, V(2)=0: A[1] = -0.25, A[2] = -0.25; A[0] =
	// -0.25; p > 0.9 at 1 -> 0. Probes get 0.
	want := [][]float64{{-0.25, 0, 0.75, 0}, {-0.25, 0, -0.25}, {0}, {0}, {0}, {0}, {0}, {0}}
	checkRows(t, "advantages", res.Advantages, want)
	checkRows(t, "train", res.Train, [][]float64{{1, 0, 1, 0}, {1, 0, 1}, {0}, {0}, {0}, {0}, {0}, {0}})

	// Without probes the cutpoints have no value.
	_, err = ChainBatch(chainBatch(false), opt)
	var mp *MissingProbeError
	if !errors.As(err, &mp) || mp.ID != "A" || mp.Cutpoint != -1 {
		t.Fatalf("err = %v, want a MissingProbeError for A at -1", err)
	}
}

func TestChainBatchSteps(t *testing.T) {
	// Given values: mc_init 0.5, steps [0,2) mc 0.6 and [2,4) mc 0.9 (its
	// cutpoint 3 is the last token and overrides the score); all p = 0.5.
	// Cutpoints -1 1 3, values 0.5 0.6 0.9: A[1] = 0.1, A[3] = 0.3, back-fill.
	tr := &rollout.Trajectory{ID: "s", Group: "g", Tokens: []int64{1, 2, 3, 4}, OldLogProbs: logs(0.5, 0.5, 0.5, 0.5),
		Rewards: map[string]float64{"outcome": 1}, Features: map[string]any{"mc_init": 0.5},
		Steps: []rollout.Step{{Start: 0, End: 2, Values: map[string]float64{"mc": 0.6}}, {Start: 2, End: 4, Values: map[string]float64{"mc": 0.9}}}}
	res, err := ChainBatch(&rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}, DefaultChainBatchOptions())
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "advantages", res.Advantages, [][]float64{{0.1, 0.1, 0.3, 0.3}})
}

// Property (spec): SPO-chain with no cutpoints gives zero advantage. A
// confident response (every p >= threshold) has no cutpoint and needs no
// probe.
func TestChainNoCutpointsZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 50; trial++ {
		n := 1 + rng.IntN(20)
		p := make([]float64, n)
		toks := make([]int64, n)
		for i := range p {
			p[i] = 0.9 + 0.1*rng.Float64()
			toks[i] = int64(rng.IntN(5))
		}
		tr := &rollout.Trajectory{ID: "x", Group: "g", Tokens: toks, OldLogProbs: logs(p...), Rewards: map[string]float64{"outcome": rng.Float64()}}
		res, err := ChainBatch(&rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}, DefaultChainBatchOptions())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range res.Advantages[0] {
			if a != 0 {
				t.Fatalf("trial %d: advantage %v without cutpoints", trial, res.Advantages[0])
			}
		}
		// The anchor itself: no cutpoints at all -> 0 everywhere.
		r, _ := spo.ChainTokenAdvantages(p, nil, nil, 1, spo.DefaultChainOptions())
		for _, a := range r.Advantages {
			if a != 0 {
				t.Fatalf("anchor: %v", r.Advantages)
			}
		}
	}
}

// A tree-sampled group: root -> S1 "1 2" -> leaves "5" (1), "6" (0);
// root -> S2 "3 4" -> leaves "7" (0), "8" (0).
// V: S1 = 0.5, S2 = 0, root = 0.25.
func TestTreeAdvantagesHand(t *testing.T) {
	tokens := [][]int64{{1, 2, 5}, {1, 2, 6}, {3, 4, 7}, {3, 4, 8}}
	scores := []float64{1, 0, 0, 0}
	index := []string{"q", "q", "q", "q"}
	res, err := TreeAdvantages(tokens, scores, index, DefaultTreeOptions())
	if err != nil {
		t.Fatal(err)
	}
	// Edges (rloo): root->S1 0.25, root->S2 -0.25 (prover BoK(0)-BoK(0.25)
	// != 0, kept), S1->5 0.5, S1->6 -0.5, S2->7 and S2->8 0 (dropped).
	// Dedupe: S1 is trained in response 0, S2 in response 2.
	checkRows(t, "advantages", res.Advantages, [][]float64{{0.25, 0.25, 0.5}, {0, 0, -0.5}, {-0.25, -0.25, 0}, {0, 0, 0}})
	checkRows(t, "train", res.Train, [][]float64{{1, 1, 1}, {0, 0, 1}, {1, 1, 0}, {0, 0, 0}})
	checkRows(t, "values", res.Values, [][]float64{{0.5, 0.5, 1}, {0.5, 0.5, 0}, {0, 0, 0}, {0, 0, 0}})

	// Without dedupe every copy of a segment carries its edge.
	opt := DefaultTreeOptions()
	opt.Dedupe = false
	opt.Edges.Method = spo.AdvGRPO
	res, err = TreeAdvantages(tokens, scores, index, opt)
	if err != nil {
		t.Fatal(err)
	}
	// grpo: root children values {0.5, 0}, population std 0.25: +-0.25/0.25;
	// S1's children {1, 0}, std 0.5: +-0.5/0.5.
	e := 1e-8
	a, c := 0.25/(0.25+e), 0.5/(0.5+e)
	checkRows(t, "grpo advantages", res.Advantages, [][]float64{{a, a, c}, {a, a, -c}, {-a, -a, 0}, {-a, -a, 0}})
}

// Property: when no two responses share a first token, SPO-tree's "rloo"
// edge advantage is the Dr.GRPO advantage s - mean(s) (verl.grpo with
// norm_adv_by_std_in_grpo=false) on every token.
func TestTreeAdvantagesIsDrGRPOWithoutSharing(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 100; trial++ {
		var tokens [][]int64
		var index []string
		var scores []float64
		for g := 0; g < 1+rng.IntN(3); g++ {
			n := 2 + rng.IntN(5)
			for k := 0; k < n; k++ {
				s := append([]int64{int64(k)}, randSeq(rng, rng.IntN(5))...)
				tokens = append(tokens, s)
				index = append(index, string(rune('a'+g)))
				scores = append(scores, float64(rng.IntN(2)))
			}
		}
		opt := DefaultTreeOptions()
		opt.Edges.OnlyNonZero = false
		res, err := TreeAdvantages(tokens, scores, index, opt)
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := verl.GRPO(lastReward(tokens, scores), ones(tokens), index, verl.GRPOOptions{NormByStd: false})
		if err != nil {
			t.Fatal(err)
		}
		checkRows(t, "spo.tree vs Dr.GRPO", res.Advantages, want)
	}
}
