package env

import (
	"fmt"
	"math/rand/v2"
)

// Shortcut is the HCA "Shortcut" MDP (Harutyunyan et al. 2019, "Hindsight
// Credit Assignment", arXiv:1912.02503; rules as in
// Matyasch/factored-hca environments/shortcut.py; environments.md §1.7).
// States 0..Size−1 on a chain, NumActions actions. In state s < Size−1 the
// hidden optimal action opt[s] jumps to the pre-terminal state Size−1; any
// other action jumps there with probability Skip and otherwise advances to
// s+1. These steps pay −1. From Size−1 any action ends the episode with
// reward Final. The optimal actions are drawn from the instance seed.
type Shortcut struct {
	cfg     ShortcutConfig
	optimal []int
}

// ShortcutConfig holds the sizes of Shortcut.
type ShortcutConfig struct {
	Size       int     // chain length (default 5)
	NumActions int     // actions per state (default 21)
	Skip       float64 // jump probability of a sub-optimal action (default 0.1)
	Final      float64 // final reward (default 1)
}

// DefaultShortcutConfig returns the reference sizes.
func DefaultShortcutConfig() ShortcutConfig {
	return ShortcutConfig{Size: 5, NumActions: 21, Skip: 0.1, Final: 1}
}

// ChainState is a position on a chain (Shortcut).
type ChainState struct {
	Pos int
	key string
}

func (s *ChainState) Key() string { return s.key }

// NewShortcut builds a Shortcut environment; seed draws the optimal actions.
func NewShortcut(c ShortcutConfig, seed uint64) (*Shortcut, error) {
	if c.Size < 2 || c.NumActions < 1 || c.Skip < 0 || c.Skip > 1 {
		return nil, fmt.Errorf("env: shortcut: bad config %+v", c)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5c07))
	e := &Shortcut{cfg: c, optimal: make([]int, c.Size-1)}
	for i := range e.optimal {
		e.optimal[i] = rng.IntN(c.NumActions)
	}
	return e, nil
}

// Optimal returns the hidden optimal action of each non-final state.
func (e *Shortcut) Optimal() []int { return clone(e.optimal) }

func (e *Shortcut) state(pos int) *ChainState {
	return &ChainState{Pos: pos, key: fmt.Sprintf("pos=%d", pos)}
}

func (e *Shortcut) Name() string           { return "shortcut" }
func (e *Shortcut) Roles() int             { return 1 }
func (e *Shortcut) Horizon() int           { return e.cfg.Size }
func (e *Shortcut) Actions() []string      { return indexActions(e.cfg.NumActions) }
func (e *Shortcut) Role(State) int         { return 0 }
func (e *Shortcut) Legal(State) []bool     { return nil }
func (e *Shortcut) Start(*rand.Rand) State { return e.state(0) }
func (e *Shortcut) StartDist() []Weighted  { return []Weighted{{S: e.state(0), P: 1}} }

func (e *Shortcut) Step(st State, t int, a int) []Transition {
	s := st.(*ChainState)
	last := e.cfg.Size - 1
	switch {
	case s.Pos >= last:
		return []Transition{{P: 1, Next: s, Reward: []float64{e.cfg.Final}, Done: true}}
	case a == e.optimal[s.Pos] || s.Pos+1 == last || e.cfg.Skip == 1:
		return []Transition{{P: 1, Next: e.state(last), Reward: []float64{-1}}}
	case e.cfg.Skip == 0:
		return []Transition{{P: 1, Next: e.state(s.Pos + 1), Reward: []float64{-1}}}
	}
	return []Transition{
		{P: e.cfg.Skip, Next: e.state(last), Reward: []float64{-1}},
		{P: 1 - e.cfg.Skip, Next: e.state(s.Pos + 1), Reward: []float64{-1}},
	}
}

// Features is a one-hot position.
func (e *Shortcut) Features(st State) []float64 {
	f := make([]float64, e.cfg.Size)
	f[st.(*ChainState).Pos] = 1
	return f
}

func (e *Shortcut) Render(st State) string {
	return fmt.Sprintf("You are in state %d of %d. Choose an action [0]-[%d].", st.(*ChainState).Pos, e.cfg.Size, e.cfg.NumActions-1)
}

func (e *Shortcut) Parse(text string) (int, bool) { return bracketIndex(text, e.cfg.NumActions) }
