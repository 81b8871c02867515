package treerl

import (
	"math"
	"math/rand/v2"
	"testing"
)

// forestA: one tree. Generation 0 = tokens [1 2 3 4], score 1, correct;
// generations 1 ([5 6], score 0) and 2 ([7], score 0) fork after token 2.
// Steps: h = [1 2] -> {tail [3 4] (leaf 0), gen 1 (leaf 1), gen 2 (leaf 2)}.
func forestA() [][]TreeNode {
	return [][]TreeNode{{
		{Parent: -1, Tokens: []int{1, 2, 3, 4}, Score: 1, BinaryScore: 1, FinishReason: "stop"},
		{Parent: 0, SplitIdx: 2, Tokens: []int{5, 6}, Score: 0, FinishReason: "stop"},
		{Parent: 0, SplitIdx: 2, Tokens: []int{7}, Score: 0, FinishReason: "stop"},
	}}
}

// forestB: tree 0 has generation 0 = [10 11 12 13] (score 1, correct) with
// A = [20 21] forking after token 1 (score 0.5) and B = [30] after token 2
// (score 0); tree 1 is a single generation D = [40] (score 0, "length").
// Steps: head [10] -> {s1 [11] -> {tail [12 13], B}, A}; leaves in
// construction order: A, tail, B, D.
func forestB() [][]TreeNode {
	return [][]TreeNode{
		{
			{Parent: -1, Tokens: []int{10, 11, 12, 13}, Score: 1, BinaryScore: 1, FinishReason: "stop"},
			{Parent: 0, SplitIdx: 1, Tokens: []int{20, 21}, Score: 0.5, FinishReason: "stop"},
			{Parent: 0, SplitIdx: 2, Tokens: []int{30}, Score: 0, FinishReason: "stop"},
		},
		{},
		{{Parent: -1, Tokens: []int{40}, Score: 0, FinishReason: "length"}},
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }

type want struct {
	start, end      int
	value, sv, pass float64
}

func checkPath(t *testing.T, got []Step, w []want) {
	t.Helper()
	if len(got) != len(w) {
		t.Fatalf("path has %d steps, want %d: %+v", len(got), len(w), got)
	}
	for m := range w {
		g := got[m]
		if g.Start != w[m].start || g.End != w[m].end || !near(g.Value, w[m].value) || !near(g.StateValue, w[m].sv) || !near(g.PassRatio, w[m].pass) {
			t.Errorf("step %d = %+v, want %+v", m, g, w[m])
		}
	}
}

func TestTreePathsTokenNorm(t *testing.T) {
	// Leave-one-out: leaf0 = 1-0 = 1, leaf1 = leaf2 = 0-1/2 = -1/2; acc(h) =
	// acc(root) = 0, n = 3. Token re-centring over root(|0|), h(|2|),
	// leaf0(|2|), leaf1(|2|), leaf2(|1|): mu = (2-1-1/2)/(6+2+2+1) = 1/22.
	// acc - mu*n: root, h: -3/22 (V = -1/22); leaf0 21/22; leaf1, leaf2 -12/22.
	res, err := TreePaths(forestA(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !near(res.RewardRaw, 1.0/3) {
		t.Errorf("RewardRaw = %v, want 1/3", res.RewardRaw)
	}
	if len(res.Leaves) != 3 || res.Leaves[0] != (Leaf{0, 0}) || res.Leaves[1] != (Leaf{0, 1}) || res.Leaves[2] != (Leaf{0, 2}) {
		t.Fatalf("leaves %+v", res.Leaves)
	}
	h := want{0, 2, 0, -1.0 / 22, 1.0 / 3} // V(h) - V(root) = 0 (index 0: no fill-in)
	checkPath(t, res.Paths[0], []want{h, {2, 4, 1, 21.0 / 22, 1}})
	checkPath(t, res.Paths[1], []want{h, {0, 2, -0.5, -12.0 / 22, 0}})
	checkPath(t, res.Paths[2], []want{h, {0, 1, -0.5, -12.0 / 22, 0}})
}

func TestTreePathsModes(t *testing.T) {
	// On forestA with token re-centring (see TestTreePathsTokenNorm).
	// StateValue: value + V. ValueOnly: V. Chain: leave-one-out of the leaf
	// accs (21, -12, -12)/22: 33/22 = 1.5, -0.75, -0.75. ORM: value + that.
	// Ancestor, leaf 0: step 0: V(h)-V(root) = 0; step 1: ((21+1)/22 +
	// (21+1)/22)/2 = 1.
	h := -1.0 / 22
	cases := []struct {
		mode Mode
		p0   []float64 // values along path 0
		p1   []float64 // values along path 1
	}{
		{ModeStateValue, []float64{h, 1 + 21.0/22}, []float64{h, -0.5 - 12.0/22}},
		{ModeValueOnly, []float64{h, 21.0 / 22}, []float64{h, -12.0 / 22}},
		{ModeChain, []float64{1.5, 1.5}, []float64{-0.75, -0.75}},
		{ModeORM, []float64{1.5, 2.5}, []float64{-0.75, -1.25}},
		{ModeAncestor, []float64{0, 1}, []float64{0, -0.5}},
	}
	for _, c := range cases {
		res, err := TreePaths(forestA(), Options{Mode: c.mode})
		if err != nil {
			t.Fatal(err)
		}
		for k, w := range [][]float64{c.p0, c.p1} {
			for m := range w {
				if got := res.Paths[k][m].Value; !near(got, w[m]) {
					t.Errorf("mode %d path %d step %d: value %v, want %v", c.mode, k, m, got, w[m])
				}
			}
		}
	}
}

func TestTreePathsFillIn(t *testing.T) {
	// forestB, no re-centring. Scores (A, tail, B, D) = (0.5, 1, 0, 0), sum
	// 1.5, leave-one-out over 3 others: A 1/6, tail 5/6, B -1/2, D -1/2.
	// acc: s1 = 5/6-1/2 = 1/3 (n 2), head = 1/6+1/3 = 1/2 (n 3), root 0.
	// V: head 1/6, s1 1/6, tail 5/6. Path to the tail: head 1/6-0; s1
	// 1/6-1/6 ~ 0 -> filled with 1/6; tail 5/6-1/6 = 2/3.
	res, err := TreePaths(forestB(), Options{NormStyle: NormNone})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Leaves) != 4 || res.Leaves[0] != (Leaf{0, 1}) || res.Leaves[1] != (Leaf{0, 0}) || res.Leaves[2] != (Leaf{0, 2}) || res.Leaves[3] != (Leaf{2, 0}) {
		t.Fatalf("leaves %+v", res.Leaves)
	}
	checkPath(t, res.Paths[1], []want{
		{0, 1, 1.0 / 6, 1.0 / 6, 1.0 / 3},
		{1, 2, 1.0 / 6, 1.0 / 6, 0.5},
		{2, 4, 2.0 / 3, 5.0 / 6, 1},
	})
	// D hangs directly off the virtual root: V(D) - V(root) = -1/2.
	checkPath(t, res.Paths[3], []want{{0, 1, -0.5, -0.5, 0}})
}

func TestTreePathsWeighting(t *testing.T) {
	// forestB, no re-centring, uniform weights: acc / selected leaves:
	// s1 1/3/2 = 1/6, head 1/2/3 = 1/6, root 0; V = acc/n: s1 1/12, head
	// 1/18. Path to the tail: 1/18, 1/12-1/18 = 1/36, 5/6-1/12 = 3/4.
	res, err := TreePaths(forestB(), Options{NormStyle: NormNone, UseWeightedValue: true})
	if err != nil {
		t.Fatal(err)
	}
	checkPath(t, res.Paths[1], []want{
		{0, 1, 1.0 / 18, 1.0 / 18, 1.0 / 3},
		{1, 2, 1.0 / 36, 1.0 / 12, 0.5},
		{2, 4, 0.75, 5.0 / 6, 1},
	})
	// Selecting only leaves 1 and 3 (tail, D): k = 1 on head, s1, tail.
	// head V = 1/2/3 = 1/6, s1 V = 1/3/2 = 1/6 (filled), tail 5/6.
	res, err = TreePaths(forestB(), Options{NormStyle: NormNone, UseWeightedValue: true, Selected: []int{3, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Paths) != 2 || len(res.Paths[0]) != 1 {
		t.Fatalf("paths %+v", res.Paths)
	}
	checkPath(t, res.Paths[1], []want{
		{0, 1, 1.0 / 6, 1.0 / 6, 1.0 / 3},
		{1, 2, 1.0 / 6, 1.0 / 6, 0.5},
		{2, 4, 2.0 / 3, 5.0 / 6, 1},
	})
}

func TestTreePathsAverageOneGeneration(t *testing.T) {
	// forestB, no re-centring: bottom-up child means s1 = (5/6-1/2)/2 = 1/6,
	// head = (s1 + A)/2 = (1/6+1/6)/2 = 1/6, root = (head + D)/2 = -1/6.
	// V = acc: tail path 1/6+1/6 = 1/3, 0 -> filled 1/3, 5/6-1/6 = 2/3.
	res, err := TreePaths(forestB(), Options{NormStyle: NormNone, AverageOneGeneration: true})
	if err != nil {
		t.Fatal(err)
	}
	checkPath(t, res.Paths[1], []want{
		{0, 1, 1.0 / 3, 1.0 / 6, 1.0 / 3},
		{1, 2, 1.0 / 3, 1.0 / 6, 0.5},
		{2, 4, 2.0 / 3, 5.0 / 6, 1},
	})
}

func TestTreePathsRepetitionPenaltyAndStepNorm(t *testing.T) {
	// D stops on "length": R_D = -1 after the leave-one-out (whose means still
	// use D's raw 0). acc: root = 1/6+5/6-1/2-1 = -1/2 over 4 leaves. Step
	// re-centring: steps root(-1/2, 4), head(1/2, 3), s1(1/3, 2), A(1/6, 1),
	// tail(5/6, 1), B(-1/2, 1), D(-1, 1): mu = (-1/2+1/2+1/3+1/6+5/6-1/2-1)/13
	// = -1/6/13 = -1/78. V(D) = -1 + 1/78; V(root) = (-1/2 + 4/78)/4.
	res, err := TreePaths(forestB(), Options{NormStyle: NormStep, InnerRepetitionPenalty: true})
	if err != nil {
		t.Fatal(err)
	}
	vRoot := (-0.5 + 4.0/78) / 4
	vD := -1 + 1.0/78
	checkPath(t, res.Paths[3], []want{{0, 1, vD - vRoot, vD, 0}})
}

func TestTreePathsTwinPaths(t *testing.T) {
	// Generations 1 and 2 are identical forks with identical scores, so their
	// paths are equal by content (the case where the reference's
	// paths.index(path) returns the first twin); both get the same value.
	trees := [][]TreeNode{{
		{Parent: -1, Tokens: []int{1, 2}, Score: 1, BinaryScore: 1, FinishReason: "stop"},
		{Parent: 0, SplitIdx: 1, Tokens: []int{5}, Score: 0, FinishReason: "stop"},
		{Parent: 0, SplitIdx: 1, Tokens: []int{5}, Score: 0, FinishReason: "stop"},
	}}
	res, err := TreePaths(trees, Options{Mode: ModeChain, NormStyle: NormNone})
	if err != nil {
		t.Fatal(err)
	}
	// Leaf accs 1, -1/2, -1/2; leave-one-out: 1.5, -0.75, -0.75.
	for k, w := range []float64{1.5, -0.75, -0.75} {
		for _, s := range res.Paths[k] {
			if !near(s.Value, w) {
				t.Errorf("path %d value %v, want %v", k, s.Value, w)
			}
		}
	}
}

func TestTreePathsErrors(t *testing.T) {
	single := [][]TreeNode{{{Parent: -1, Tokens: []int{1}, Score: 1}}}
	bad := map[string][][]TreeNode{
		"no leaves":   {{}, nil},
		"one leaf":    single,
		"root":        {{{Parent: 0, Tokens: []int{1}}, {Parent: 0, Tokens: []int{2}}}},
		"parent":      {{{Parent: -1, Tokens: []int{1}}, {Parent: 3, Tokens: []int{2}}}},
		"split":       {{{Parent: -1, Tokens: []int{1}}, {Parent: 0, SplitIdx: 2, Tokens: []int{2}}}},
		"neg split":   {{{Parent: -1, Tokens: []int{1}}, {Parent: 0, SplitIdx: -1, Tokens: []int{2}}}},
		"cycle":       {{{Parent: -1, Tokens: []int{1}}, {Parent: 2, Tokens: []int{2}}, {Parent: 1, Tokens: []int{3}}}},
		"nan score":   {{{Parent: -1, Tokens: []int{1}, Score: math.NaN()}, {Parent: 0, Tokens: []int{2}}}},
		"second root": {{{Parent: -1, Tokens: []int{1}}, {Parent: -1, Tokens: []int{2}}}},
	}
	for name, f := range bad {
		if _, err := TreePaths(f, Options{}); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	for name, o := range map[string]Options{
		"mode":     {Mode: 99},
		"norm":     {NormStyle: -1},
		"weight":   {WeightStyle: 7},
		"selected": {Selected: []int{3}},
	} {
		if _, err := TreePaths(forestA(), o); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func TestLeaveOneOut(t *testing.T) {
	// (1, 0, 0): 1 - 0/2 = 1, 0 - 1/2 = -1/2 (twice); the results sum to 0.
	got := LeaveOneOut([]float64{1, 0, 0})
	if got[0] != 1 || got[1] != -0.5 || got[2] != -0.5 {
		t.Fatalf("got %v", got)
	}
	if g := LeaveOneOut([]float64{3}); len(g) != 1 || g[0] != 3 {
		t.Fatalf("single value: got %v", g)
	}
}

// Properties on random forests: every generation yields exactly one leaf;
// a leaf step's StateValue (no re-centring) is its leave-one-out reward; the
// root's value is ~0, so the first step of a path has Value == StateValue;
// ModeValueOnly returns the state values; pass ratios of leaves are 0 or 1.
func TestTreePathsRandomProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for trial := 0; trial < 100; trial++ {
		nt := 1 + rng.IntN(3)
		trees := make([][]TreeNode, nt)
		total := 0
		for t := range trees {
			n := 1 + rng.IntN(6)
			nodes := make([]TreeNode, n)
			for i := range nodes {
				toks := make([]int, rng.IntN(6))
				for j := range toks {
					toks[j] = rng.IntN(1000)
				}
				nodes[i] = TreeNode{Parent: -1, Tokens: toks, Score: float64(rng.IntN(3)) / 2, FinishReason: "stop"}
				if nodes[i].Score == 1 {
					nodes[i].BinaryScore = 1
				}
				if i > 0 {
					p := rng.IntN(i)
					nodes[i].Parent = p
					nodes[i].SplitIdx = rng.IntN(len(nodes[p].Tokens) + 1)
				}
			}
			trees[t] = nodes
			total += n
		}
		if total < 2 {
			continue
		}
		res, err := TreePaths(trees, Options{NormStyle: NormNone, Mode: ModeValueOnly})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Leaves) != total || len(res.Paths) != total {
			t.Fatalf("trial %d: %d leaves, %d paths, want %d", trial, len(res.Leaves), len(res.Paths), total)
		}
		scores := make([]float64, total)
		for i, l := range res.Leaves {
			scores[i] = trees[l.Tree][l.Node].Score
		}
		loo := LeaveOneOut(scores)
		for k, path := range res.Paths {
			last := path[len(path)-1]
			if !near(last.StateValue, loo[k]) {
				t.Fatalf("trial %d path %d: leaf state value %v, want %v", trial, k, last.StateValue, loo[k])
			}
			if last.PassRatio != 0 && last.PassRatio != 1 {
				t.Fatalf("trial %d: leaf pass ratio %v", trial, last.PassRatio)
			}
			for _, s := range path {
				if s.Value != s.StateValue {
					t.Fatalf("trial %d: value-only mode value %v != state value %v", trial, s.Value, s.StateValue)
				}
			}
		}
		adv, err := TreePaths(trees, Options{NormStyle: NormNone})
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range adv.Paths {
			if math.Abs(path[0].Value-path[0].StateValue) > 1e-12 {
				t.Fatalf("trial %d: V(root) = %v, want 0", trial, path[0].StateValue-path[0].Value)
			}
		}
	}
}
