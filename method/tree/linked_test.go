package tree

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/credo-rl/credo/anchor/treerl"
)

// siblingsSharingTokens is a tree-sampled group in which two siblings start
// with the same token:
//
//	A = 1 5 6   score 1   sampled from the query
//	B = 1 5 7   score 1   parent {A, 1}: forked after A's token "1"
//	C = 1 8 9   score 0   parent {A, 1}
//
// The sampled tree is root → N1 "1" → {A "5 6", B "5 7", C "8 9"}: N1 has
// three children. The prefix trie instead puts A and B under an extra node
// "5", so that N1 has two children {"5" (A, B), "8 9" (C)}.
func siblingsSharingTokens() (tokens [][]int64, scores []float64, links []Link) {
	tokens = [][]int64{{1, 5, 6}, {1, 5, 7}, {1, 8, 9}}
	scores = []float64{1, 1, 0}
	links = []Link{{Parent: -1}, {Parent: 0, Token: 1}, {Parent: 0, Token: 1}}
	return
}

func TestBuildLinkedTrieSiblingsSharingTokens(t *testing.T) {
	tokens, _, links := siblingsSharingTokens()
	tr, err := BuildLinkedTrie(tokens, links)
	if err != nil {
		t.Fatal(err)
	}
	// root, N1 [0,1), then A [1,3), B [1,3), C [1,3) in member order.
	if len(tr.Nodes) != 5 {
		t.Fatalf("%d nodes, want 5: %+v", len(tr.Nodes), tr.Nodes)
	}
	n1 := tr.Nodes[1]
	if n1.Parent != 0 || n1.Start != 0 || n1.End != 1 || n1.Count() != 3 || !tr.Branching(1) {
		t.Fatalf("N1 = %+v", n1)
	}
	for i := 0; i < 3; i++ {
		x := tr.Leaf[i]
		nd := tr.Nodes[x]
		if nd.Parent != 1 || nd.Start != 1 || nd.End != 3 || nd.Count() != 1 || nd.Min != i || nd.Ends != 1 {
			t.Fatalf("leaf of %d: node %d = %+v", i, x, nd)
		}
	}
	// The prefix trie of the same tokens has the extra node "5".
	if n := len(BuildTrie(tokens).Nodes); n != 6 {
		t.Fatalf("trie has %d nodes, want 6", n)
	}
}

// SPO-tree on the group above, by hand (rloo edges, drop zero edges):
//
//	linked tree: V(A) = V(B) = 1, V(C) = 0, V(N1) = (1+1+0)/3 = 2/3,
//	             V(root) = V(N1) = 2/3.
//	edges: root→N1 = 2/3 − 2/3 = 0 (and prover 0: dropped),
//	       N1→A = N1→B = 1 − 2/3 = +1/3, N1→C = 0 − 2/3 = −2/3.
//	tokens: A = [0, 1/3, 1/3], B = [0, 1/3, 1/3], C = [0, −2/3, −2/3].
//
// The prefix trie gives V("5") = 1, V(N1) = (1 + 0)/2 = 0.5, edges
// N1→"5" = +0.5 (trained in A), "5"→"6" = "5"→"7" = 0 (dropped), N1→C =
// −0.5: A = [0, 0.5, 0], B = [0, 0, 0], C = [0, −0.5, −0.5]; the sibling
// advantage of B is 0 instead of +1/3.
func TestTreeAdvantagesLinkedSiblingsSharingTokens(t *testing.T) {
	tokens, scores, links := siblingsSharingTokens()
	index := []string{"q", "q", "q"}
	opt := DefaultTreeOptions()
	opt.Links = links
	res, err := TreeAdvantages(tokens, scores, index, opt)
	if err != nil {
		t.Fatal(err)
	}
	third := 1.0 / 3
	checkRows(t, "advantages", res.Advantages, [][]float64{{0, third, third}, {0, third, third}, {0, -2 * third, -2 * third}})
	checkRows(t, "train", res.Train, [][]float64{{0, 1, 1}, {0, 1, 1}, {0, 1, 1}})
	checkRows(t, "values", res.Values, [][]float64{{2 * third, 1, 1}, {2 * third, 1, 1}, {2 * third, 0, 0}})

	// Without links: the trie fallback, as computed above.
	res, err = TreeAdvantages(tokens, scores, index, DefaultTreeOptions())
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "trie advantages", res.Advantages, [][]float64{{0, 0.5, 0}, {0, 0, 0}, {0, -0.5, -0.5}})
}

// TreeRL (mode advantage, reference defaults) on a group whose siblings A
// and B share their first sampled token, by hand:
//
//	A = 1 5 6 score 1;  B = 1 5 7 score 0, parent {A, 1};  C = 1 8 9 score 0, parent {A, 1}.
//	Leave-one-out leaf rewards: R_A = 1 − (0+0)/2 = 1, R_B = 0 − 1/2 = −0.5, R_C = −0.5.
//	Linked steps: N1 "1" (A, B, C): V = (1 − 0.5 − 0.5)/3 = 0; tails A, B, C.
//	Token re-centring: mu = Σ acc·|s| / Σ n·|s| = (0·1 + 1·2 − 0.5·2 − 0.5·2)/(3·1 + 2 + 2 + 2) = 0.
//	Values V(s) − V(parent): N1 = 0 − V(virtual root) = 0 − 0 = 0, A = 1, B = −0.5, C = −0.5.
//	So A = [0, 1, 1], B = [0, −0.5, −0.5], C = [0, −0.5, −0.5].
//
// The trie adds the step "5" (A, B) with V = (1 − 0.5)/2 = 0.25, so A's
// token "5" gets 0.25 and its token "6" gets 1 − 0.25 = 0.75.
func TestTreeRLLinkedSiblingsSharingTokens(t *testing.T) {
	tokens, _, links := siblingsSharingTokens()
	scores := []float64{1, 0, 0}
	index := []string{"q", "q", "q"}
	adv, err := TreeRLAdvantagesLinked(tokens, scores, nil, links, index, treerl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "linked", adv, [][]float64{{0, 1, 1}, {0, -0.5, -0.5}, {0, -0.5, -0.5}})
	adv, err = TreeRLAdvantages(tokens, scores, nil, index, treerl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "trie", adv, [][]float64{{0, 0.25, 0.75}, {0, 0.25, -0.75}, {0, -0.5, -0.5}})

}

// A link into the middle of a parent that is itself a child splits the
// parent's node, and a link at token 0 makes a sibling at the root:
//
//	A = 1 2 3 4          (root)
//	B = 1 2 7 8          parent {A, 2}
//	D = 1 2 7 9          parent {B, 3}: splits B's node "7 8" at 3
//	E = 5                parent {A, 0}: a child of the root
//	F = 1 2              parent {A, 2}: ends at node "1 2"
//
// Tree: root → {"1 2" (A,B,D,F; F ends there) → {"3 4" A, "7" (B,D) →
// {"8" B, "9" D}}, "5" E}.
func TestBuildLinkedTrieSplits(t *testing.T) {
	seqs := [][]int64{{1, 2, 3, 4}, {1, 2, 7, 8}, {1, 2, 7, 9}, {5}, {1, 2}}
	links := []Link{{-1, 0}, {0, 2}, {1, 3}, {0, 0}, {0, 2}}
	tr, err := BuildLinkedTrie(seqs, links)
	if err != nil {
		t.Fatal(err)
	}
	type span struct{ start, end, count, ends, parentStart, parentEnd int }
	get := func(x int) span {
		nd := tr.Nodes[x]
		p := tr.Nodes[nd.Parent]
		return span{nd.Start, nd.End, nd.Count(), nd.Ends, p.Start, p.End}
	}
	want := []span{
		{2, 4, 1, 1, 0, 2}, // A's tail under "1 2"
		{3, 4, 1, 1, 2, 3}, // B's "8" under "7"
		{3, 4, 1, 1, 2, 3}, // D's "9" under "7"
		{0, 1, 1, 1, 0, 0}, // E under the root
		{0, 2, 4, 1, 0, 0}, // F ends at "1 2" (4 members: A, B, D, F)
	}
	for i, w := range want {
		if g := get(tr.Leaf[i]); g != w {
			t.Errorf("sequence %d: leaf node %+v, want %+v", i, g, w)
		}
	}
	if tr.Nodes[tr.Nodes[tr.Leaf[1]].Parent].Count() != 2 {
		t.Errorf("node \"7\" should hold B and D")
	}
	// Members of the root's first child: F (ends there) first, then A, B, D.
	x := tr.Nodes[tr.Leaf[4]]
	if m := tr.Members(tr.Leaf[4]); x.Min != 0 || len(m) != 4 || m[0] != 4 {
		t.Errorf("members of \"1 2\": %v (min %d)", m, x.Min)
	}
	for x := 1; x < len(tr.Nodes); x++ {
		if tr.Nodes[x].Parent >= x {
			t.Errorf("node %d comes before its parent %d", x, tr.Nodes[x].Parent)
		}
	}
}

func TestBuildLinkedTrieErrors(t *testing.T) {
	seqs := [][]int64{{1, 2}, {1, 3}}
	for name, links := range map[string][]Link{
		"cycle":    {{1, 1}, {0, 1}},
		"self":     {{0, 1}, {-1, 0}},
		"range":    {{-1, 0}, {5, 1}},
		"too long": {{-1, 0}, {0, 3}},
		"mismatch": {{-1, 0}, {0, 2}},
	} {
		_, err := BuildLinkedTrie(seqs, links)
		var le *LinkError
		if !errors.As(err, &le) {
			t.Errorf("%s: err = %v, want a LinkError", name, err)
		}
	}
}

// Property: when siblings never share a first token, the linked tree is
// the prefix trie, so SPO-tree and TreeRL give the same credit with and
// without the links. Random trees: every new response forks off a random
// earlier response at a random position with a fresh token.
func TestLinkedEqualsTrieWithoutSharedTokens(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 200; trial++ {
		var tokens [][]int64
		var links []Link
		var scores []float64
		var index []string
		fresh := int64(100)
		for g := 0; g < 1+rng.IntN(3); g++ {
			base := len(tokens)
			n := 2 + rng.IntN(6)
			for k := 0; k < n; k++ {
				l := Link{Parent: -1}
				var s []int64
				if k > 0 && rng.IntN(4) > 0 {
					p := base + rng.IntN(k)
					l = Link{Parent: p, Token: rng.IntN(len(tokens[p]) + 1)}
					s = append(s, tokens[p][:l.Token]...)
				}
				for m := 0; m < 1+rng.IntN(3); m++ {
					s = append(s, fresh)
					fresh++
				}
				tokens = append(tokens, s)
				links = append(links, l)
				scores = append(scores, float64(rng.IntN(2)))
				index = append(index, string(rune('a'+g)))
			}
		}
		opt := DefaultTreeOptions()
		want, err := TreeAdvantages(tokens, scores, index, opt)
		if err != nil {
			t.Fatal(err)
		}
		opt.Links = links
		got, err := TreeAdvantages(tokens, scores, index, opt)
		if err != nil {
			t.Fatal(err)
		}
		checkRows(t, "spo.tree advantages", got.Advantages, want.Advantages)
		checkRows(t, "spo.tree values", got.Values, want.Values)
		wr, err := TreeRLAdvantages(tokens, scores, nil, index, treerl.Options{})
		if err != nil {
			t.Fatal(err)
		}
		gr, err := TreeRLAdvantagesLinked(tokens, scores, nil, links, index, treerl.Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkRows(t, "treerl", gr, wr)
	}
}
