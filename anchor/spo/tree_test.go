package spo

import (
	"math"
	"testing"
)

// root V=0.5 (std 0.5) -> A leaf V=1, B V=0 (std 0) -> C leaf V=0.
func handTree() []TreeNode {
	return []TreeNode{
		{Parent: -1, Reward: 0.5, RewardStd: 0.5},
		{Parent: 0, Reward: 1, Leaf: true},
		{Parent: 0, Reward: 0},
		{Parent: 2, Reward: 0, Leaf: true},
	}
}

func TestBestOfK(t *testing.T) {
	// 1 - 0.5^4 = 0.9375; 1 - 1^4 = 0; 1 - 0^4 = 1.
	for _, c := range []struct{ v, want float64 }{{0.5, 0.9375}, {0, 0}, {1, 1}, {0.75, 1 - 1.0/256}} {
		if got := BestOfK(c.v, 4); got != c.want {
			t.Errorf("BestOfK(%v, 4) = %v, want %v", c.v, got, c.want)
		}
	}
}

func TestTreeEdgesRLOO(t *testing.T) {
	// A: 1-0.5 = 0.5, prover BoK(1)-BoK(0.5) = 1-0.9375 = 0.0625
	// B: 0-0.5 = -0.5, prover 0-0.9375 = -0.9375
	// C: 0-0 = 0, prover 0: dropped with OnlyNonZero, kept without.
	edges, err := TreeEdges(handTree(), DefaultTreeOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := []Edge{
		{Parent: 0, Child: 1, Advantage: 0.5, ProverAdvantage: 0.0625, Value: 1, Leaf: true},
		{Parent: 0, Child: 2, Advantage: -0.5, ProverAdvantage: -0.9375, Value: 0},
	}
	if len(edges) != len(want) {
		t.Fatalf("got %d edges %+v, want %+v", len(edges), edges, want)
	}
	for i := range want {
		if edges[i] != want[i] {
			t.Errorf("edge %d = %+v, want %+v", i, edges[i], want[i])
		}
	}
	opts := DefaultTreeOptions()
	opts.OnlyNonZero = false
	edges, err = TreeEdges(handTree(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(edges) != 3 || edges[2] != (Edge{Parent: 2, Child: 3, Leaf: true}) {
		t.Fatalf("got %+v", edges)
	}
}

func TestTreeEdgesGRPO(t *testing.T) {
	// A: 0.5/(0.5+1e-8), B: -0.5/(0.5+1e-8), C: 0/(0+1e-8) = 0.
	opts := DefaultTreeOptions()
	opts.Method = AdvGRPO
	opts.OnlyNonZero = false
	edges, err := TreeEdges(handTree(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.5 / 0.50000001, -0.5 / 0.50000001, 0}
	for i, w := range want {
		if math.Abs(edges[i].Advantage-w) > 1e-15 {
			t.Errorf("edge %d advantage %v, want %v", i, edges[i].Advantage, w)
		}
	}
	if edges[0].ProverAdvantage != 0.0625 {
		t.Errorf("the prover advantage is not normalised: got %v", edges[0].ProverAdvantage)
	}
}

func TestTreeEdgesPreOrder(t *testing.T) {
	// List order C, B, root, A: root's children are B (index 1) then A
	// (index 3), so the pre-order is B, C, A.
	nodes := []TreeNode{
		{Parent: 1, Reward: 0.25},
		{Parent: 2, Reward: 0.5},
		{Parent: -1, Reward: 0.75},
		{Parent: 2, Reward: 1},
	}
	opts := DefaultTreeOptions()
	opts.OnlyNonZero = false
	edges, err := TreeEdges(nodes, opts)
	if err != nil {
		t.Fatal(err)
	}
	wantChild := []int{1, 0, 3}
	wantParent := []int{2, 1, 2}
	for i := range wantChild {
		if edges[i].Child != wantChild[i] || edges[i].Parent != wantParent[i] {
			t.Fatalf("edges %+v, want children %v", edges, wantChild)
		}
	}
	// Each node's advantage is child minus parent: -0.25, -0.25, 0.25.
	for i, w := range []float64{-0.25, -0.25, 0.25} {
		if edges[i].Advantage != w {
			t.Errorf("edge %d advantage %v, want %v", i, edges[i].Advantage, w)
		}
	}
}

func TestTreeEdgesErrors(t *testing.T) {
	bad := map[string][]TreeNode{
		"empty":     nil,
		"no root":   {{Parent: 1}, {Parent: 0}},
		"two roots": {{Parent: -1}, {Parent: -1}},
		"range":     {{Parent: -1}, {Parent: 5}},
		"self":      {{Parent: -1}, {Parent: 1}},
		"cycle":     {{Parent: -1}, {Parent: 2}, {Parent: 1}},
		"nan":       {{Parent: -1}, {Parent: 0, Reward: math.NaN()}},
	}
	for name, nodes := range bad {
		if _, err := TreeEdges(nodes, DefaultTreeOptions()); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if _, err := TreeEdges(handTree(), TreeOptions{Method: 7, K: 4}); err == nil {
		t.Error("unknown method: want an error")
	}
}
