package env

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// TicTacToe is SPIRAL's TicTacToe-v0 (environments.md §1.4, §5.3): a 3x3
// board, cells 0–8 row-major, move "[k]"; player 0 (X) moves first; three
// in a row wins (+1 to the winner, −1 to the loser); a full board is a draw
// (0, 0). Two-player zero-sum with a shared policy; the acting role is the
// parity of the number of marks. The declared invalid action (Invalider)
// ends the game with −1.5 to the offender and +0.5 to the other (SPIRAL
// training). 5,478 legal positions.
type TicTacToe struct{}

// NewTicTacToe builds a TicTacToe environment.
func NewTicTacToe() *TicTacToe { return &TicTacToe{} }

// TTTState is a board: 0 empty, 1 X (player 0), 2 O (player 1).
type TTTState struct {
	Board [9]int8
	key   string
}

func (s *TTTState) Key() string { return s.key }

func tttState(b [9]int8) *TTTState {
	var k [9]byte
	for i, c := range b {
		k[i] = ".XO"[c]
	}
	return &TTTState{Board: b, key: string(k[:])}
}

func (e *TicTacToe) Name() string           { return "tictactoe" }
func (e *TicTacToe) Roles() int             { return 2 }
func (e *TicTacToe) Horizon() int           { return 9 }
func (e *TicTacToe) Actions() []string      { return indexActions(9) }
func (e *TicTacToe) Start(*rand.Rand) State { return tttState([9]int8{}) }
func (e *TicTacToe) StartDist() []Weighted  { return []Weighted{{S: tttState([9]int8{}), P: 1}} }

func (e *TicTacToe) Role(st State) int {
	n := 0
	for _, c := range st.(*TTTState).Board {
		if c != 0 {
			n++
		}
	}
	return n % 2
}

func (e *TicTacToe) Legal(st State) []bool {
	l := make([]bool, 9)
	for i, c := range st.(*TTTState).Board {
		l[i] = c == 0
	}
	return l
}

var tttLines = [8][3]int{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {0, 3, 6}, {1, 4, 7}, {2, 5, 8}, {0, 4, 8}, {2, 4, 6}}

// TTTWinner returns 1 or 2 for a completed line of X or O, else 0.
func TTTWinner(b [9]int8) int8 {
	for _, l := range tttLines {
		if b[l[0]] != 0 && b[l[0]] == b[l[1]] && b[l[1]] == b[l[2]] {
			return b[l[0]]
		}
	}
	return 0
}

func (e *TicTacToe) Step(st State, t int, a int) []Transition {
	s := st.(*TTTState)
	if a < 0 || a >= 9 || s.Board[a] != 0 {
		return e.Invalid(s, t)
	}
	p := e.Role(s)
	b := s.Board
	b[a] = int8(p + 1)
	next := tttState(b)
	if TTTWinner(b) != 0 {
		r := []float64{1, 1}
		r[1-p] = -1
		return []Transition{{P: 1, Next: next, Reward: r, Done: true}}
	}
	full := true
	for _, c := range b {
		full = full && c != 0
	}
	return []Transition{{P: 1, Next: next, Reward: []float64{0, 0}, Done: full}}
}

// Invalid ends the game with (−1.5, +0.5) for (offender, other).
func (e *TicTacToe) Invalid(st State, t int) []Transition {
	r := []float64{0.5, 0.5}
	r[e.Role(st)] = -1.5
	return []Transition{{P: 1, Next: st, Reward: r, Done: true}}
}

// Features (acting player's view): own marks (9), opponent marks (9).
func (e *TicTacToe) Features(st State) []float64 {
	s := st.(*TTTState)
	me := int8(e.Role(s) + 1)
	f := make([]float64, 18)
	for i, c := range s.Board {
		switch {
		case c == me:
			f[i] = 1
		case c != 0:
			f[9+i] = 1
		}
	}
	return f
}

func (e *TicTacToe) Render(st State) string {
	s := st.(*TTTState)
	var sb strings.Builder
	p := e.Role(s)
	fmt.Fprintf(&sb, "You are Player %d (%c) in tic-tac-toe.\n", p, "XO"[p])
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			i := 3*r + c
			if c > 0 {
				sb.WriteString(" | ")
			}
			if s.Board[i] == 0 {
				fmt.Fprint(&sb, i)
			} else {
				sb.WriteByte(" XO"[s.Board[i]])
			}
		}
		sb.WriteString("\n")
	}
	sb.WriteString("Available moves:")
	for i, c := range s.Board {
		if c == 0 {
			fmt.Fprintf(&sb, " [%d]", i)
		}
	}
	return sb.String()
}

func (e *TicTacToe) Parse(text string) (int, bool) { return bracketIndex(text, 9) }
