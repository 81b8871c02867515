package env

import (
	"testing"
)

func kuhnPlay(e *Kuhn, s State, moves string) []Transition {
	var trs []Transition
	for i, m := range moves {
		a := map[rune]int{'c': 0, 'b': 1, 'k': 2, 'f': 3}[m]
		trs = e.Step(s, i, a)
		if i < len(moves)-1 {
			s = trs[0].Next
		}
	}
	return trs
}

func TestKuhnPayoffs(t *testing.T) {
	e, _ := NewKuhn(DefaultKuhnConfig())
	// Player 0 holds K, player 1 holds J; player 1 opens (TextArena).
	s := e.state(0, [2]int{2, 0}, "", 0)
	if e.Role(s) != 1 {
		t.Fatalf("opener %d, want 1", e.Role(s))
	}
	cases := map[string]float64{
		"cc":  1,  // showdown, K beats J: +1 (the ante)
		"bk":  2,  // player 1 bets, player 0 calls, showdown: +2
		"bf":  -1, // player 1 bets, player 0 folds: −1
		"cbk": 2,  // check, player 0 bets, player 1 calls: +2
		"cbf": 1,  // check, player 0 bets, player 1 folds: +1
	}
	for moves, r0 := range cases {
		trs := kuhnPlay(e, s, moves)
		if len(trs) != 1 || !trs[0].Done || trs[0].Reward[0] != r0 || trs[0].Reward[1] != -r0 {
			t.Errorf("K vs J, %s: %+v, want (%v, %v)", moves, trs, r0, -r0)
		}
	}
	// With the cards swapped the showdowns flip, the folds do not.
	s2 := e.state(0, [2]int{0, 2}, "", 0)
	for moves, r0 := range map[string]float64{"cc": -1, "bk": -2, "bf": -1, "cbk": -2, "cbf": 1} {
		if trs := kuhnPlay(e, s2, moves); trs[0].Reward[0] != r0 {
			t.Errorf("J vs K, %s: %v, want %v", moves, trs[0].Reward, r0)
		}
	}
	if l := e.Legal(s); !l[0] || !l[1] || l[2] || l[3] {
		t.Errorf("opening legal %v", l)
	}
	if l := e.Legal(e.state(0, [2]int{2, 0}, "cb", 0)); l[0] || l[1] || !l[2] || !l[3] {
		t.Errorf("facing a bet legal %v", l)
	}
	// Information sets hide the opponent's card.
	if e.ObsKey(e.state(0, [2]int{2, 0}, "c", 0)) != e.ObsKey(e.state(0, [2]int{2, 1}, "c", 0)) {
		t.Error("ObsKey depends on the opponent's card")
	}
	if e.ObsKey(e.state(0, [2]int{2, 0}, "c", 0)) == e.ObsKey(e.state(0, [2]int{1, 0}, "c", 0)) {
		t.Error("ObsKey ignores the own card")
	}
	inv := e.Invalid(s, 0)[0]
	if !inv.Done || inv.Reward[1] != -1.5 || inv.Reward[0] != 0.5 {
		t.Errorf("invalid move by player 1: %+v", inv)
	}
	for text, want := range map[string]int{"I [Bet]!": 1, "[call]": 2, "fold": 3} {
		if a, ok := e.Parse(text); !ok || a != want {
			t.Errorf("Parse(%q) = %d %v", text, a, ok)
		}
	}
}

func TestKuhnRounds(t *testing.T) {
	e, _ := NewKuhn(KuhnConfig{Rounds: 3, WinLoss: true, FirstPlayer: 1, InvalidOffender: -1.5, InvalidOther: 0.5})
	s := State(e.state(0, [2]int{2, 0}, "", 0))
	// Round 1 (player 1 opens): cc, player 0 wins +1 chip; reward 0, 6 deals.
	trs := kuhnPlay(e, s, "cc")
	if len(trs) != 6 || trs[0].Done || trs[0].Reward[0] != 0 || trs[0].P != 1.0/6 {
		t.Fatalf("round end: %+v", trs)
	}
	s = trs[1].Next // deal J,K
	if ks := s.(*KuhnState); ks.Round != 1 || ks.Chips != 1 || e.Role(s) != 0 {
		t.Fatalf("round 2 state %+v, opener %d (want 0)", ks, e.Role(s))
	}
	// Round 2: bet, call; player 1's K wins 2: chips −1.
	s = kuhnPlay(e, s, "bk")[0].Next
	if e.Role(s) != 1 {
		t.Fatalf("round 3 opener %d, want 1", e.Role(s))
	}
	s = e.state(2, [2]int{0, 1}, "", -1)
	// Round 3: player 1 bets, player 0 folds: chips −2 → player 1 wins the game.
	trs = kuhnPlay(e, s, "bf")
	if !trs[0].Done || trs[0].Reward[0] != -1 || trs[0].Reward[1] != 1 {
		t.Errorf("game end: %+v", trs[0])
	}
	// A tied game is a draw.
	s = e.state(2, [2]int{0, 1}, "", 1)
	if trs := kuhnPlay(e, s, "bf"); trs[0].Reward[0] != 0 {
		t.Errorf("tie: %v", trs[0].Reward)
	}
	if e.PerfectRecall() {
		t.Error("multi-round Kuhn claims perfect recall")
	}
}

func TestTicTacToe(t *testing.T) {
	e := NewTicTacToe()
	play := func(moves ...int) []Transition {
		s := e.StartDist()[0].S
		var trs []Transition
		for i, m := range moves {
			trs = e.Step(s, i, m)
			s = trs[0].Next
		}
		return trs
	}
	// X: 0, 1, 2 (row) wins.
	if tr := play(0, 3, 1, 4, 2)[0]; !tr.Done || tr.Reward[0] != 1 || tr.Reward[1] != -1 {
		t.Errorf("row win: %+v", tr)
	}
	// O: 2, 4, 6 (anti-diagonal) wins.
	if tr := play(0, 2, 1, 4, 8, 6)[0]; !tr.Done || tr.Reward[0] != -1 || tr.Reward[1] != 1 {
		t.Errorf("diagonal win by O: %+v", tr)
	}
	// X O X / X O O / O X X: a draw.
	if tr := play(0, 1, 2, 4, 3, 5, 7, 6, 8)[0]; !tr.Done || tr.Reward[0] != 0 || tr.Reward[1] != 0 {
		t.Errorf("draw: %+v", tr)
	}
	if tr := play(4)[0]; tr.Done || e.Role(tr.Next) != 1 || e.Legal(tr.Next)[4] {
		t.Errorf("after one move: %+v", tr)
	}
	// 5,478 legal positions reachable in play (terminal ones included).
	seen := map[string]bool{}
	var walk func(s State, t int)
	walk = func(s State, t int) {
		if seen[s.Key()] {
			return
		}
		seen[s.Key()] = true
		for _, a := range LegalActions(e, s) {
			tr := e.Step(s, t, a)[0]
			if tr.Done {
				seen[tr.Next.Key()] = true
			} else {
				walk(tr.Next, t+1)
			}
		}
	}
	walk(e.StartDist()[0].S, 0)
	if len(seen) != 5478 {
		t.Errorf("%d positions, want 5478", len(seen))
	}
}
