package truth

import (
	"math"
	"strings"
	"testing"

	"github.com/credo-rl/credo/lab/env"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*(1+math.Abs(b)) }

// UmbrellaChain: A_0(s, a) = 2·(1[a = need] − π(need|s)), A_t = 0 for t > 0
// (environments.md §1.5), whatever the noise.
func TestUmbrellaClosedForm(t *testing.T) {
	e, _ := env.New("umbrella?length=5&distractors=2", 1)
	pi := hashedPolicy(e, 9, 2)
	sol, err := Solve(e, pi, e.StartDist())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	sol.Each(func(s env.State, tt int) {
		u := s.(*env.UmbrellaState)
		for a := 0; a < 2; a++ {
			want := 0.0
			if tt == 0 {
				want = -2 * pi(s, 0)[u.Need]
				if a == u.Need {
					want += 2
				}
			}
			if got := sol.A(0, s, tt, a); !near(got, want) {
				t.Errorf("A_%d(%s, %d) = %v, want %v", tt, s.Key(), a, got, want)
			}
		}
		n++
	})
	if n != 16*5 {
		t.Errorf("%d reachable (s,t), want 16 per step × 5", n)
	}
	// Expected return: only the final ±1 counts (noise has mean 0).
	want := 0.0
	for _, w := range e.StartDist() {
		p := pi(w.S, 0)[w.S.(*env.UmbrellaState).Need]
		want += w.P * (2*p - 1)
	}
	if !near(sol.Value(0), want) {
		t.Errorf("Value %v, want %v", sol.Value(0), want)
	}
}

// DiscountingChain: Q_0(s_0, c) = γ^(T_c − 1)·r_c, A = 0 after t = 0.
func TestDiscountingClosedForm(t *testing.T) {
	e, _ := env.New("discounting", 3) // best chain 3 mod 5 = 3
	d := e.(*env.Discounting)
	steps := []int{1, 3, 10, 30, 100}
	for _, gamma := range []float64{1, 0.95} {
		sol, err := SolveWith(e, uniformPolicy(e), e.StartDist(), Options{Gamma: gamma})
		if err != nil {
			t.Fatal(err)
		}
		s0 := e.StartDist()[0].S
		for c, tc := range steps {
			want := math.Pow(gamma, float64(tc-1)) * d.ChainReward(c)
			if got := sol.Q(0, s0, 0, c); !near(got, want) {
				t.Errorf("γ=%v: Q(s0, %d) = %v, want %v", gamma, c, got, want)
			}
		}
		if d.ChainReward(3) != 1.1 {
			t.Errorf("best chain reward %v", d.ChainReward(3))
		}
		sol.Each(func(s env.State, tt int) {
			for a := 0; a < 5 && tt > 0; a++ {
				if x := sol.A(0, s, tt, a); math.Abs(x) > 1e-12 {
					t.Fatalf("A_%d(%s, %d) = %v, want 0", tt, s.Key(), a, x)
				}
			}
		})
	}
}

// DelayedEffect: only the first action matters; with the optimal action
// chosen with probability p, V_0 = 2p − 1 (noise has mean 0) and the
// advantage of later actions is 0.
func TestDelayedClosedForm(t *testing.T) {
	e, _ := env.New("delayed", 4)
	opt := e.(*env.Delayed).Optimal()
	pi := hashedPolicy(e, 4, 1)
	sol, _ := Solve(e, pi, e.StartDist())
	s0 := e.StartDist()[0].S
	p := pi(s0, 0)[opt]
	if !near(sol.Value(0), 2*p-1) {
		t.Errorf("Value %v, want %v", sol.Value(0), 2*p-1)
	}
	if !near(sol.A(0, s0, 0, opt), 2*(1-p)) {
		t.Errorf("A(s0, opt) = %v, want %v", sol.A(0, s0, 0, opt), 2*(1-p))
	}
	sol.Each(func(s env.State, tt int) {
		for a := 0; a < 21 && tt > 0; a++ {
			if x := sol.A(0, s, tt, a); math.Abs(x) > 1e-12 {
				t.Fatalf("A_%d(%s, %d) = %v, want 0", tt, s.Key(), a, x)
			}
		}
	})
}

// Tic-tac-toe under uniformly random play: X wins 737/1260, O 121/420
// (the classical 58.49% / 28.81%): V_X = 737/1260 − 363/1260 = 374/1260.
func TestTicTacToeRandomPlay(t *testing.T) {
	e, _ := env.New("tictactoe", 1)
	sol, err := Solve(e, uniformPolicy(e), e.StartDist())
	if err != nil {
		t.Fatal(err)
	}
	if !near(sol.Value(0), 374.0/1260) || !near(sol.Value(1), -374.0/1260) {
		t.Errorf("values %v %v, want ±%v", sol.Value(0), sol.Value(1), 374.0/1260)
	}
	if sol.Size() != 4520 {
		t.Errorf("%d non-terminal nodes, want 5478 − 958 terminal = 4520", sol.Size())
	}
}

// kuhnNash is the equilibrium family with parameter α for the opener
// (first mover) and the unique second-mover strategy.
func kuhnNash(e *env.Kuhn, alpha float64) Policy {
	return func(st env.State, t int) []float64 {
		s := st.(*env.KuhnState)
		p := e.Role(s)
		card := s.Cards[p]
		p4 := func(check, bet, call, fold float64) []float64 { return []float64{check, bet, call, fold} }
		switch s.Hist {
		case "": // opener
			b := []float64{alpha, 0, 3 * alpha}[card]
			return p4(1-b, b, 0, 0)
		case "c": // second mover after a check
			b := []float64{1.0 / 3, 0, 1}[card]
			return p4(1-b, b, 0, 0)
		case "b": // second mover facing a bet
			c := []float64{0, 1.0 / 3, 1}[card]
			return p4(0, 0, c, 1-c)
		default: // "cb": opener facing a bet after checking
			c := []float64{0, alpha + 1.0/3, 1}[card]
			return p4(0, 0, c, 1-c)
		}
	}
}

func TestKuhnNashAndExploitability(t *testing.T) {
	e, _ := env.New("kuhn", 1)
	k := e.(*env.Kuhn)
	opener := k.Opener(0)
	for _, alpha := range []float64{0, 0.1, 1.0 / 3} {
		pi := kuhnNash(k, alpha)
		sol, err := Solve(e, pi, e.StartDist())
		if err != nil {
			t.Fatal(err)
		}
		if v := sol.Value(opener); !near(v, -1.0/18) {
			t.Errorf("α=%v: opener value %v, want −1/18", alpha, v)
		}
		x, err := Exploitability(e, pi)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(x) > 1e-12 {
			t.Errorf("α=%v: exploitability %v, want 0", alpha, x)
		}
	}
	// Uniform random play: NashConv 11/12 (OpenSpiel's kuhn_poker value).
	nc, err := NashConv(e, uniformPolicy(e))
	if err != nil {
		t.Fatal(err)
	}
	if !near(nc, 11.0/12) {
		t.Errorf("uniform NashConv %v, want 11/12", nc)
	}
	// Leaving equilibrium is exploitable: always bet with a J as opener.
	bluff := func(st env.State, tt int) []float64 {
		s := st.(*env.KuhnState)
		if s.Hist == "" && s.Cards[k.Role(s)] == 0 {
			return []float64{0, 1, 0, 0}
		}
		return kuhnNash(k, 0)(st, tt)
	}
	if x, _ := Exploitability(e, bluff); !(x > 1e-3) {
		t.Errorf("exploitability of a J-bluffer %v, want > 0", x)
	}
	// A policy that peeks at the opponent's card is rejected.
	cheat := func(st env.State, tt int) []float64 {
		s := st.(*env.KuhnState)
		if s.Cards[1-k.Role(s)] == 2 && (s.Hist == "" || s.Hist == "c") {
			return []float64{1, 0, 0, 0}
		}
		return uniformPolicy(e)(st, tt)
	}
	if _, err := Exploitability(e, cheat); err == nil || !strings.Contains(err.Error(), "information set") {
		t.Errorf("cheating policy: %v", err)
	}
	e5, _ := env.New("kuhn?rounds=5", 1)
	if _, err := Exploitability(e5, uniformPolicy(e5)); err == nil {
		t.Error("multi-round exploitability accepted")
	}
}

func TestSolveErrors(t *testing.T) {
	e, _ := env.New("kuhn", 1)
	starts := e.StartDist()
	half := func(s env.State, t int) []float64 { return []float64{0.25, 0.25, 0, 0} }
	if _, err := Solve(e, half, starts); err == nil || !strings.Contains(err.Error(), "sum") {
		t.Errorf("sub-stochastic policy: %v", err)
	}
	illegal := func(s env.State, t int) []float64 { return []float64{0.5, 0, 0.5, 0} }
	if _, err := Solve(e, illegal, starts); err == nil || !strings.Contains(err.Error(), "illegal") {
		t.Errorf("mass on an illegal action: %v", err)
	}
	short := func(s env.State, t int) []float64 { return []float64{1} }
	if _, err := Solve(e, short, starts); err == nil {
		t.Error("wrong length accepted")
	}
	if _, err := Solve(e, uniformPolicy(e), starts[:3]); err == nil {
		t.Error("start weights summing to 1/2 accepted")
	}
	ttt, _ := env.New("tictactoe", 1)
	if _, err := SolveWith(ttt, uniformPolicy(ttt), ttt.StartDist(), Options{MaxNodes: 1000}); err == nil || !strings.Contains(err.Error(), "1000") {
		t.Errorf("node cap: %v", err)
	}
	if _, err := SolveWith(e, uniformPolicy(e), starts, Options{Gamma: 1.5}); err == nil {
		t.Error("γ = 1.5 accepted")
	}
	sol, _ := Solve(e, uniformPolicy(e), starts)
	s0 := starts[0].S
	if !math.IsNaN(sol.Q(0, s0, 0, 2)) || !math.IsNaN(sol.A(0, s0, 0, 2)) {
		t.Error("Q of an illegal action is not NaN")
	}
	if !math.IsNaN(sol.V(0, s0, 1)) || sol.Visits(s0, 1) != 0 || sol.V(0, s0, e.Horizon()) != 0 {
		t.Error("values outside the solution")
	}
}
