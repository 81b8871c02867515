package env

import (
	"fmt"
	"math/rand/v2"
)

// Delayed is the HCA "Delayed Effect" MDP (Harutyunyan et al. 2019, arXiv:1912.02503;
// rules as in Matyasch/factored-hca environments/delayed_effect.py;
// environments.md §1.7). Positions 0..Size: the first action alone decides
// (by being the hidden optimal action or not) whether the chain, on leaving
// position Size−2, enters the rewarding position Size or the penalising
// position Size−1; from there any action ends the episode with +1 or −1.
// Every other step pays reward noise.
//
// Deviation: the reference noise is N(0, Noise²); here it is ±Noise with
// probability ½ each (same mean and variance) so that Step stays
// enumerable. The Key carries the hidden flag; ObsKey (the agent's
// observation) is the position only.
type Delayed struct {
	cfg     DelayedConfig
	optimal int
}

// DelayedConfig holds the sizes of Delayed.
type DelayedConfig struct {
	Size       int     // chain length (default 5)
	NumActions int     // actions per state (default 21)
	Noise      float64 // noise amplitude (default 2, the reference standard deviation)
}

// DefaultDelayedConfig returns the reference sizes.
func DefaultDelayedConfig() DelayedConfig { return DelayedConfig{Size: 5, NumActions: 21, Noise: 2} }

// DelayedState is (position, hidden flag: the first action was optimal).
type DelayedState struct {
	Pos int
	Opt bool
	key string
}

func (s *DelayedState) Key() string { return s.key }

// NewDelayed builds a Delayed environment; seed draws the optimal action.
func NewDelayed(c DelayedConfig, seed uint64) (*Delayed, error) {
	if c.Size < 2 || c.NumActions < 1 || c.Noise < 0 {
		return nil, fmt.Errorf("env: delayed: bad config %+v", c)
	}
	rng := rand.New(rand.NewPCG(seed, 0xde1a))
	return &Delayed{cfg: c, optimal: rng.IntN(c.NumActions)}, nil
}

// Optimal returns the hidden optimal first action.
func (e *Delayed) Optimal() int { return e.optimal }

func (e *Delayed) state(pos int, opt bool) *DelayedState {
	f := 0
	if opt {
		f = 1
	}
	return &DelayedState{Pos: pos, Opt: opt, key: fmt.Sprintf("pos=%d opt=%d", pos, f)}
}

func (e *Delayed) Name() string           { return "delayed" }
func (e *Delayed) Roles() int             { return 1 }
func (e *Delayed) Horizon() int           { return e.cfg.Size }
func (e *Delayed) Actions() []string      { return indexActions(e.cfg.NumActions) }
func (e *Delayed) Role(State) int         { return 0 }
func (e *Delayed) Legal(State) []bool     { return nil }
func (e *Delayed) Start(*rand.Rand) State { return e.state(0, false) }
func (e *Delayed) StartDist() []Weighted  { return []Weighted{{S: e.state(0, false), P: 1}} }

// ObsKey is the position.
func (e *Delayed) ObsKey(st State) string { return fmt.Sprintf("pos=%d", st.(*DelayedState).Pos) }

func (e *Delayed) Step(st State, t int, a int) []Transition {
	s := st.(*DelayedState)
	n := e.cfg.Size
	opt := s.Opt
	if s.Pos == 0 {
		opt = a == e.optimal
	}
	switch s.Pos {
	case n:
		return []Transition{{P: 1, Next: s, Reward: []float64{1}, Done: true}}
	case n - 1:
		return []Transition{{P: 1, Next: s, Reward: []float64{-1}, Done: true}}
	}
	pos := s.Pos + 1
	if s.Pos == n-2 {
		pos = n - 1
		if opt {
			pos = n
		}
	}
	next := e.state(pos, opt)
	if e.cfg.Noise == 0 {
		return []Transition{{P: 1, Next: next, Reward: []float64{0}}}
	}
	return []Transition{
		{P: 0.5, Next: next, Reward: []float64{e.cfg.Noise}},
		{P: 0.5, Next: next, Reward: []float64{-e.cfg.Noise}},
	}
}

// Features is a one-hot position (the flag is hidden).
func (e *Delayed) Features(st State) []float64 {
	f := make([]float64, e.cfg.Size+1)
	f[st.(*DelayedState).Pos] = 1
	return f
}

func (e *Delayed) Render(st State) string {
	return fmt.Sprintf("You are in state %d. Choose an action [0]-[%d].", st.(*DelayedState).Pos, e.cfg.NumActions-1)
}

func (e *Delayed) Parse(text string) (int, bool) { return bracketIndex(text, e.cfg.NumActions) }
