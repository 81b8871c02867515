package env

import (
	"math/rand/v2"
	"testing"
)

func TestCountdownScore(t *testing.T) {
	nums := []int{1, 2, 3}
	for _, c := range []struct {
		text   string
		nums   []int
		target int
		want   float64
	}{
		{"User: ... Assistant: <think>x</think> <answer>(1 + 2) * 3</answer>", nums, 9, 1},
		{"<|im_start|>assistant\n<answer>(1 + 2) * 3</answer>", nums, 9, 1},
		{"<answer>(1 + 2) * 3</answer>", nums, 9, 0},                               // no assistant marker
		{"Assistant: <answer>(1 + 2) * 3</answer>\nbye", nums, 9, 0},               // not on the last line
		{"Assistant: <answer>1+2+3</answer> <answer>(1+2)*3</answer>", nums, 9, 1}, // last answer wins
		{"Assistant: <answer>1+2+3</answer>", nums, 9, 0.1},                        // wrong value
		{"Assistant: <answer>(1 + 2) * 3 * 3</answer>", nums, 27, 0.1},             // 3 used twice
		{"Assistant: <answer>1 + 2</answer>", nums, 3, 0.1},                        // 3 unused
		{"Assistant: <answer>abs(1+2)*3</answer>", nums, 9, 0.1},                   // letters
		{"Assistant: <answer>(6 / 4) * 2</answer>", []int{6, 4, 2}, 3, 1},          // true division
		{"Assistant: <answer>10 / 3 * 3</answer>", []int{10, 3, 3}, 10, 1},         // within 1e-5
		{"Assistant: <answer>07 + 1</answer>", []int{7, 1}, 8, 0.1},                // leading zero: SyntaxError
		{"Assistant: <answer>2**3</answer>", []int{2, 3}, 8, 1},
		{"Assistant: <answer>-2**2 + 8</answer>", []int{2, 2, 8}, 4, 1},
		{"Assistant: <answer>7 // 2</answer>", []int{7, 2}, 3, 1},
		{"Assistant: <answer>-7 // 2 + 5</answer>", []int{7, 2, 5}, 1, 1},
		{"Assistant: <answer>1 / 0 + 2</answer>", []int{1, 0, 2}, 2, 0.1},
		{"Assistant: <answer>1 2</answer>", []int{1, 2}, 12, 0.1},
		{"Assistant: <answer>(1 + 2</answer>", []int{1, 2}, 3, 0.1},
		{"Assistant: <answer> 3.0 - 1 </answer>", []int{3, 0, 1}, 2, 1},
		{"Assistant: <answer>2 ** -1 * 4</answer>", []int{2, 1, 4}, 2, 1},
		{"Assistant: <answer></answer>", nil, 0, 0.1}, // empty equation: eval fails
	} {
		if got := CountdownScore(c.text, c.nums, c.target); got != c.want {
			t.Errorf("CountdownScore(%q, %v, %d) = %v, want %v", c.text, c.nums, c.target, got, c.want)
		}
	}
}

func TestCountdownSolvableAndScored(t *testing.T) {
	e, _ := NewCountdown(DefaultCountdownConfig(), 1)
	rng := rand.New(rand.NewPCG(6, 6))
	for i := 0; i < 20; i++ {
		s := e.Start(rng).(*CountdownState)
		if s.Target() < 1 || s.Target() > 100 {
			t.Fatalf("target %d", s.Target())
		}
		best := 0.0
		var walk func(st State, step int)
		walk = func(st State, step int) {
			for _, a := range LegalActions(e, st) {
				tr := e.Step(st, step, a)[0]
				if !tr.Done {
					walk(tr.Next, step+1)
					continue
				}
				// The step reward equals TinyZero's score of the final equation.
				expr := tr.Next.(*CountdownState).Items[0].Expr
				if i >= 3 {
					best = max(best, tr.Reward[0])
					continue
				}
				if sc := CountdownScore("Assistant: <answer>"+expr+"</answer>", s.Numbers(), s.Target()); sc != tr.Reward[0] {
					t.Fatalf("%s: step reward %v, TinyZero %v", expr, tr.Reward[0], sc)
				}
				best = max(best, tr.Reward[0])
			}
		}
		walk(s, 0)
		if best != 1 {
			t.Fatalf("instance %v → %d not solvable", s.Numbers(), s.Target())
		}
	}
	s := e.NewCountdownState([]int{3, 5, 7}, 8)
	if a, ok := e.ParseIn(s, "<step>5 + 3</step>"); !ok || e.Actions()[a] != "0+1" {
		t.Errorf("ParseIn: %d %v", a, ok)
	}
	if a, ok := e.Parse("[1] - [2]"); !ok || e.Actions()[a] != "1-2" {
		t.Errorf("Parse: %d %v", a, ok)
	}
	if l := e.Legal(s); l[mustIndex(e, "1+0")] || !l[mustIndex(e, "0+1")] || l[mustIndex(e, "0/1")] {
		t.Error("legal moves")
	}
}

func mustIndex(e *Countdown, name string) int {
	for i, n := range e.actions {
		if n == name {
			return i
		}
	}
	panic(name)
}
