package token

import (
	"fmt"
	"slices"
)

// PlanningTagger marks the tokens covered by any occurrence of a set of
// strategic n-grams (token-id sequences). It is built once and reused for
// every response; tagging does no allocation beyond the output row and
// uses no map: the grams are sorted, and the grams that can start at a
// position are found by binary search on their first token.
type PlanningTagger struct {
	grams  [][]int64 // sorted lexicographically, deduplicated, non-empty
	firsts []int64   // distinct first tokens, ascending
	from   []int     // grams with first token firsts[k] are grams[from[k]:from[k+1]]
}

// NewPlanningTagger builds a tagger for grams. Empty grams are ignored;
// the grams are copied.
func NewPlanningTagger(grams [][]int64) *PlanningTagger {
	p := &PlanningTagger{}
	for _, g := range grams {
		if len(g) > 0 {
			p.grams = append(p.grams, slices.Clone(g))
		}
	}
	slices.SortFunc(p.grams, slices.Compare[[]int64])
	p.grams = slices.CompactFunc(p.grams, slices.Equal[[]int64])
	for k, g := range p.grams {
		if k == 0 || g[0] != p.grams[k-1][0] {
			p.firsts = append(p.firsts, g[0])
			p.from = append(p.from, k)
		}
	}
	p.from = append(p.from, len(p.grams))
	return p
}

// Tag returns a fresh 0/1 row: 1 where tokens[t] lies inside an occurrence
// of one of the grams (occurrences may overlap; all are marked).
func (p *PlanningTagger) Tag(tokens []int64) []int8 {
	out := make([]int8, len(tokens))
	p.TagInto(out, tokens)
	return out
}

// TagInto writes Tag(tokens) into dst, which must have len(tokens) entries.
func (p *PlanningTagger) TagInto(dst []int8, tokens []int64) {
	clear(dst[:len(tokens)])
	if len(p.grams) == 0 {
		return
	}
	lo, hi := p.firsts[0], p.firsts[len(p.firsts)-1]
	covered := 0 // dst[:covered] is already final for occurrences seen so far
	for i, tok := range tokens {
		if tok < lo || tok > hi {
			continue
		}
		k, ok := slices.BinarySearch(p.firsts, tok)
		if !ok {
			continue
		}
		for _, g := range p.grams[p.from[k]:p.from[k+1]] {
			if i+len(g) <= len(tokens) && slices.Equal(tokens[i:i+len(g)], g) {
				for t := max(i, covered); t < i+len(g); t++ {
					dst[t] = 1
				}
				covered = max(covered, i+len(g))
			}
		}
	}
}

// TagPlanning marks the planning tokens of one response: 1 at every
// position inside an occurrence of one of the strategic n-grams (HICRA's
// "Strategic Grams", 3–5-gram phrases such as "let's try a different
// approach", given here as token-id sequences), 0 elsewhere. Overlapping
// occurrences are all marked; empty grams are ignored. For many responses,
// build a PlanningTagger once instead.
//
// Paper: "Emergent Hierarchical Reasoning in LLMs through Reinforcement
// Learning" (arXiv:2509.03646), spec row #10. The paper builds the gram list
// by clustering n-grams of successful solutions and curating them by hand;
// credo takes the list as given.
func TagPlanning(tokens []int64, grams [][]int64) []int8 {
	return NewPlanningTagger(grams).Tag(tokens)
}

// DefaultHICRAAlpha is HICRA's amplification α (trl example
// examples/scripts/hicra_training.py, --hicra_alpha 0.2).
const DefaultHICRAAlpha = 0.2

// HICRA amplifies the credit of planning tokens:
//
//	A'[i][t] = A[i][t] + α·|A[i][t]|·planning[i][t]
//
// For A > 0 a planning token gets (1+α)·A, for A < 0 it gets (1−α)·A, so a
// failed plan is blamed less than its execution; other tokens are
// unchanged, and α = 0 is the identity. advantages are the base method's
// (GRPO in the paper); planning is a 0/1 row per response with the shape of
// advantages (see TagPlanning). The result is freshly allocated.
//
// Paper: "Emergent Hierarchical Reasoning in LLMs through Reinforcement
// Learning", Wang et al. (arXiv:2509.03646), spec row #10. Reference: the
// formula as documented by a third-party trl example
// (examples/scripts/hicra_training.py); the official code was not inspected.
func HICRA(advantages [][]float64, planning [][]int8, alpha float64) ([][]float64, error) {
	const est = "hicra"
	if err := checkParam(est, "alpha", alpha); err != nil {
		return nil, err
	}
	if err := checkFinite(est, "advantages", advantages); err != nil {
		return nil, err
	}
	if len(planning) != len(advantages) {
		return nil, fmt.Errorf("%s: planning has %d rows, advantages has %d", est, len(planning), len(advantages))
	}
	out := allocLike(advantages)
	for i, a := range advantages {
		p := planning[i]
		if len(p) != len(a) {
			return nil, fmt.Errorf("%s: planning row %d has %d values, advantages has %d", est, i, len(p), len(a))
		}
		o := out[i]
		for t, x := range a {
			switch p[t] {
			case 0:
				o[t] = x
			case 1:
				if x >= 0 {
					o[t] = x + alpha*x
				} else {
					o[t] = x - alpha*x
				}
			default:
				return nil, fmt.Errorf("%s: planning row %d position %d is %d, want 0 or 1", est, i, t, p[t])
			}
		}
	}
	return out, nil
}
