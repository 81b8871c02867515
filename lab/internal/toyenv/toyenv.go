package toyenv

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/lab/env"
)

// Corridor is a line of cells 0..Len-1. The agent starts at a cell in
// Starts and moves left, right or "searches" (stays and looks, reward 0). It
// slips (does not move) with probability Slip. Reaching the last cell ends
// the episode with reward +1; every step costs StepCost. The horizon is H.
type Corridor struct {
	Len, H   int
	Slip     float64
	StepCost float64
	Starts   []int
}

// NewCorridor returns a 5-cell corridor with horizon 8.
func NewCorridor() *Corridor {
	return &Corridor{Len: 5, H: 8, Slip: 0.2, StepCost: 0.05, Starts: []int{0, 1, 2}}
}

type cstate struct{ pos, start int }

func (s cstate) Key() string { return fmt.Sprintf("c%d.%d", s.start, s.pos) }

func (c *Corridor) Name() string      { return "corridor" }
func (c *Corridor) Roles() int        { return 1 }
func (c *Corridor) Horizon() int      { return c.H }
func (c *Corridor) Actions() []string { return []string{"left", "right", "search"} }
func (c *Corridor) Start(rng *rand.Rand) env.State {
	p := c.Starts[rng.IntN(len(c.Starts))]
	return cstate{p, p}
}
func (c *Corridor) StartDist() []env.Weighted {
	out := make([]env.Weighted, len(c.Starts))
	for i, p := range c.Starts {
		out[i] = env.Weighted{S: cstate{p, p}, P: 1 / float64(len(c.Starts))}
	}
	return out
}
func (c *Corridor) Role(env.State) int     { return 0 }
func (c *Corridor) Legal(env.State) []bool { return nil }
func (c *Corridor) Features(s env.State) []float64 {
	x := s.(cstate)
	f := make([]float64, c.Len+1)
	f[x.pos] = 1
	f[c.Len] = 1
	return f
}
func (c *Corridor) Render(s env.State) string { return s.Key() }
func (c *Corridor) Parse(text string) (int, bool) {
	for i, a := range c.Actions() {
		if strings.EqualFold(strings.TrimSpace(text), a) {
			return i, true
		}
	}
	return 0, false
}

func (c *Corridor) Step(s env.State, t int, a int) []env.Transition {
	x := s.(cstate)
	move := func(p int) env.Transition {
		n := cstate{p, x.start}
		done := p == c.Len-1
		r := -c.StepCost
		prm := 0.5
		if done {
			r += 1
			prm = 1
		}
		if p > x.pos {
			prm = 0.8
		}
		sig := map[string]float64{"prm": prm}
		if a == 2 {
			sig["search"] = 1
		}
		return env.Transition{Next: n, Reward: []float64{r}, Done: done, Signals: sig}
	}
	target := x.pos
	switch a {
	case 0:
		if target > 0 {
			target--
		}
	case 1:
		target++
	}
	if target == x.pos {
		tr := move(x.pos)
		tr.P = 1
		return []env.Transition{tr}
	}
	t1, t2 := move(target), move(x.pos)
	t1.P, t2.P = 1-c.Slip, c.Slip
	return []env.Transition{t1, t2}
}

// Nim is a two-player take-away game: a pile of N stones (N drawn from
// Piles), players alternate removing 1 or 2 stones, and whoever takes the
// last stone wins (+1, the other −1). Player 0 moves first.
type Nim struct{ Piles []int }

// NewNim returns Nim with piles 3, 4 or 5.
func NewNim() *Nim { return &Nim{Piles: []int{3, 4, 5}} }

type nstate struct{ pile, player int }

func (s nstate) Key() string { return "n" + strconv.Itoa(s.pile) + "p" + strconv.Itoa(s.player) }

func (n *Nim) Name() string      { return "nim" }
func (n *Nim) Roles() int        { return 2 }
func (n *Nim) Horizon() int      { return 6 }
func (n *Nim) Actions() []string { return []string{"take1", "take2"} }
func (n *Nim) Start(rng *rand.Rand) env.State {
	return nstate{n.Piles[rng.IntN(len(n.Piles))], 0}
}
func (n *Nim) StartDist() []env.Weighted {
	out := make([]env.Weighted, len(n.Piles))
	for i, p := range n.Piles {
		out[i] = env.Weighted{S: nstate{p, 0}, P: 1 / float64(len(n.Piles))}
	}
	return out
}
func (n *Nim) Role(s env.State) int { return s.(nstate).player }
func (n *Nim) Legal(s env.State) []bool {
	return []bool{true, s.(nstate).pile >= 2}
}
func (n *Nim) Features(s env.State) []float64 {
	x := s.(nstate)
	return []float64{float64(x.pile) / 5, float64(x.player), 1}
}
func (n *Nim) Render(s env.State) string { return s.Key() }
func (n *Nim) Parse(text string) (int, bool) {
	switch strings.TrimSpace(text) {
	case "take1":
		return 0, true
	case "take2":
		return 1, true
	}
	return 0, false
}
func (n *Nim) Step(s env.State, t int, a int) []env.Transition {
	x := s.(nstate)
	left := x.pile - (a + 1)
	if left <= 0 {
		r := []float64{-1, -1}
		r[x.player] = 1
		return []env.Transition{{P: 1, Reward: r, Done: true}}
	}
	return []env.Transition{{P: 1, Next: nstate{left, 1 - x.player}, Reward: []float64{0, 0}}}
}
