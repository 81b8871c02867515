package env

import (
	"math/rand/v2"
	"regexp"
	"strconv"
	"testing"
)

// evalProblem evaluates a rendered problem statement independently of the
// generator: "Let a = 17, b = 14. Compute v1 = a - b, then v2 = v1 + a ... What is vK?"
func evalProblem(t *testing.T, text string) int {
	t.Helper()
	vars := map[string]int{}
	for _, m := range regexp.MustCompile(`([a-c]) = (\d+)`).FindAllStringSubmatch(text, -1) {
		vars[m[1]], _ = strconv.Atoi(m[2])
	}
	last := ""
	for _, m := range regexp.MustCompile(`(v\d+) = (\w+) ([-+*/]) (\w+)`).FindAllStringSubmatch(text, -1) {
		get := func(s string) int {
			if v, err := strconv.Atoi(s); err == nil {
				return v
			}
			v, ok := vars[s]
			if !ok {
				t.Fatalf("undefined %s in %q", s, text)
			}
			return v
		}
		x, y := get(m[2]), get(m[4])
		var v int
		switch m[3] {
		case "+":
			v = x + y
		case "-":
			v = x - y
		case "*":
			v = x * y
		case "/":
			if y == 0 || x%y != 0 {
				t.Fatalf("inexact division in %q", text)
			}
			v = x / y
		}
		if v < 1 || v > 999 {
			t.Fatalf("intermediate %d out of range in %q", v, text)
		}
		vars[m[1]] = v
		last = m[1]
	}
	return vars[last]
}

func TestArithAnswersCorrect(t *testing.T) {
	e, _ := NewArith(DefaultArithConfig(), 1)
	rng := rand.New(rand.NewPCG(4, 4))
	for i := 0; i < 300; i++ {
		s := e.Start(rng).(*ArithState)
		if k := s.Steps(); k < 2 || k > 4 {
			t.Fatalf("%d steps", k)
		}
		if got := evalProblem(t, s.Text()); got != s.Answer() {
			t.Fatalf("%q: answer %d, evaluated %d", s.Text(), s.Answer(), got)
		}
		// The all-compute chain writes the answer and is rewarded.
		var st State = s
		for j := 0; j < s.Steps(); j++ {
			st = e.Step(st, j, ArithCompute)[0].Next
		}
		if e.AnswerValue(st) != s.Answer() {
			t.Fatalf("chain value %d, answer %d", e.AnswerValue(st), s.Answer())
		}
		if tr := e.Step(st, s.Steps(), ArithAnswer)[0]; !tr.Done || tr.Reward[0] != 1 {
			t.Fatalf("correct answer: %+v", tr)
		}
	}
}

func TestArithPRMTable(t *testing.T) {
	c := DefaultArithConfig()
	c.PRM = true
	e, _ := NewArith(c, 1)
	s := e.Start(rand.New(rand.NewPCG(1, 1))).(*ArithState)
	k := s.Steps()
	step := func(st State, t, a int) (State, float64, float64, bool) {
		tr := e.Step(st, t, a)[0]
		return tr.Next, tr.Reward[0], tr.Signals["prm"], tr.Done
	}
	if l := e.Legal(s); !l[ArithCompute] || !l[ArithWrong] || !l[ArithRestate] || l[ArithCheck] || !l[ArithAnswer] {
		t.Errorf("legal at start %v", l)
	}
	// Fillers: PRM 0.9, no progress.
	st, r, prm, done := step(s, 0, ArithRestate)
	if prm != 0.9 || r != 0 || done || st.(*ArithState).I != 0 || st.(*ArithState).F != 1 {
		t.Errorf("restate: prm %v", prm)
	}
	// A slip: PRM 0; the next compute is locally correct: PRM 1.
	st, _, prm, _ = step(st, 1, ArithWrong)
	if prm != 0 {
		t.Errorf("slip prm %v", prm)
	}
	if _, _, prm, _ = step(st, 2, ArithCheck); prm != 0.9 {
		t.Errorf("check prm %v", prm)
	}
	for j := 1; j < k; j++ {
		if st, _, prm, _ = step(st, 1+j, ArithCompute); prm != 1 {
			t.Errorf("compute prm %v", prm)
		}
	}
	if l := e.Legal(st); l[ArithCompute] || l[ArithWrong] {
		t.Error("compute legal after k lines")
	}
	// The confident wrong answer: PRM 0.95, true reward 0 (unless a floor
	// division absorbed the slip, then the answer is right).
	_, r, prm, done = step(st, k+1, ArithAnswer)
	right := e.AnswerValue(st) == s.Answer()
	if !done || (right && (r != 1 || prm != 1)) || (!right && (r != 0 || prm != 0.95)) {
		t.Errorf("answer after a slip: reward %v prm %v (value %d, answer %d)", r, prm, e.AnswerValue(st), s.Answer())
	}
	// An early answer is wrong.
	if _, r, prm, _ = step(s, 0, ArithAnswer); r != 0 || prm != 0.95 {
		t.Errorf("early answer: %v %v", r, prm)
	}
	// Sum-form PRM prefers padding to the horizon over the correct chain.
	correct := float64(k + 1)
	padding := 0.9 * float64(e.Horizon())
	if padding <= correct {
		t.Errorf("padding %v ≤ correct %v: the hack does not pay", padding, correct)
	}
	// arithchain has no PRM signal.
	plain, _ := NewArith(DefaultArithConfig(), 1)
	if tr := plain.Step(s, 0, ArithCompute)[0]; tr.Signals != nil {
		t.Error("arithchain emits signals")
	}
}
