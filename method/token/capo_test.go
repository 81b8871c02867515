package token

import (
	"math"
	"testing"
)

func TestVerdict(t *testing.T) {
	o := DefaultCAPOOptions()
	for _, c := range []struct {
		voting   string
		votes, m int
		min      int
		want     float64
	}{
		{VoteMajority, 2, 3, 1, 1}, {VoteMajority, 1, 2, 1, 0}, {VoteMajority, 0, 3, 1, 0},
		{VoteIntersection, 2, 3, 1, 0}, {VoteIntersection, 3, 3, 1, 1},
		{VoteUnion, 1, 3, 1, 1}, {VoteUnion, 0, 3, 1, 0},
		{VoteAtLeast, 2, 3, 3, 0}, {VoteAtLeast, 3, 3, 3, 1},
		{VoteAverage, 2, 3, 1, 2.0 / 3},
	} {
		o.Voting, o.MinVotes = c.voting, c.min
		got, err := Verdict(c.votes, c.m, o)
		if err != nil || !near(got, c.want, 1e-15) {
			t.Errorf("%s %d/%d: %v, %v, want %v", c.voting, c.votes, c.m, got, err, c.want)
		}
	}
	if _, err := Verdict(4, 3, DefaultCAPOOptions()); err == nil {
		t.Fatal("4 votes of 3: want an error")
	}
}

func TestStepPenalties(t *testing.T) {
	// Majority of 3: step [0,2) with 2 votes is wrong, [2,5) with 0 is not; token 5 is in no step.
	p, err := StepPenalties(6, []StepVotes{{0, 2, 2, 3}, {2, 5, 0, 3}}, DefaultCAPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "penalty", [][]float64{p}, [][]float64{{1, 1, 0, 0, 0, 0}})
}

func TestCAPOHand(t *testing.T) {
	outcome := []float64{1, 0}
	pen := [][]float64{{1, 0}, {0, 1}}
	idx := []string{"g", "g"}
	o := DefaultCAPOOptions()
	// Token rewards (W 2/1): row0 [2−1, 2] = [1, 2]; row1 [0, −1].
	o.Norm = CAPONormNone
	a, r, err := CAPO(outcome, pen, nil, idx, o)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "rewards", r, [][]float64{{1, 2}, {0, -1}})
	assertRows(t, "none", a, r)
	// token: mean 0.5, deviations [0.5, 1.5, −0.5, −1.5], Σd² = 5, std = √(5/3).
	o.Norm = CAPONormToken
	a, _, _ = CAPO(outcome, pen, nil, idx, o)
	sd := math.Sqrt(5.0/3) + 1e-6
	assertRows(t, "token", a, [][]float64{{0.5 / sd, 1.5 / sd}, {-0.5 / sd, -1.5 / sd}})
	// outcome: GRPO([1, 0]) = ±0.5/(√0.5 + ε); A = 2·GRPO − penalty.
	o.Norm = CAPONormOutcome
	a, _, _ = CAPO(outcome, pen, nil, idx, o)
	gp := 0.5 / (math.Sqrt(0.5) + 1e-6)
	assertRows(t, "outcome", a, [][]float64{{2*gp - 1, 2 * gp}, {-2 * gp, -2*gp - 1}})
}

func TestCAPOProperties(t *testing.T) {
	s := lcg(17)
	lens := []int{4, 6, 3, 5, 2}
	pen := randRows(&s, lens, 0, 1)
	for i := range pen {
		for k := range pen[i] {
			pen[i][k] = math.Round(pen[i][k])
		}
	}
	outcome := []float64{1, 0, 1, 1, 0}
	idx := []string{"a", "b", "a", "b", "a"}
	a, r, err := CAPO(outcome, pen, nil, idx, DefaultCAPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	// Token-normalised advantages sum to zero over each group's tokens.
	sum := map[string]float64{}
	for i := range a {
		for _, x := range a[i] {
			sum[idx[i]] += x
		}
	}
	for g, x := range sum {
		if !near(x, 0, 1e-9) {
			t.Fatalf("group %s: advantages sum to %v", g, x)
		}
	}
	// Asymmetric shaping: with W_whole > W_process and 0/1 outcomes, a
	// flagged token of a correct response beats any token of a wrong one.
	minCorrect, maxWrong := math.Inf(1), math.Inf(-1)
	for i := range r {
		for _, x := range r[i] {
			if outcome[i] == 1 {
				minCorrect = math.Min(minCorrect, x)
			} else {
				maxWrong = math.Max(maxWrong, x)
			}
		}
	}
	if minCorrect <= maxWrong {
		t.Fatalf("correct-but-flawed %v does not beat incorrect %v", minCorrect, maxWrong)
	}
}
