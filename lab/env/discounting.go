package env

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Discounting is bsuite's DiscountingChain (environments.md §1.5, §5.2).
// The first action picks chain c; the context shown is −1 at t = 0 and c
// afterwards; the episode lasts Length steps. Chain c pays its reward (1,
// or 1.1 for chain Best) on the step that brings the step counter to
// RewardSteps[c], i.e. at 0-based step RewardSteps[c] − 1. Later actions do
// nothing. With NoiseScale > 0 every step also pays ±NoiseScale noise (off
// by default, as in bsuite).
//
// Exact truth: Q_0(s, c) = γ^(T_c − 1)·r_c, A_t = 0 for t > 0.
type Discounting struct {
	cfg     DiscountingConfig
	rewards []float64
}

// DiscountingConfig holds the sizes of Discounting.
type DiscountingConfig struct {
	Length      int     // episode length (default 100)
	RewardSteps []int   // reward step per chain (default 1, 3, 10, 30, 100)
	Best        int     // the chain paying 1.1 (registry default: seed mod 5, bsuite's mapping_seed)
	NoiseScale  float64 // optional per-step reward noise (default 0)
}

// DefaultDiscountingConfig returns bsuite's sizes with Best = 0.
func DefaultDiscountingConfig() DiscountingConfig {
	return DiscountingConfig{Length: 100, RewardSteps: []int{1, 3, 10, 30, 100}}
}

// DiscountingState is (context, t).
type DiscountingState struct {
	Context, T int
	key        string
}

func (s *DiscountingState) Key() string { return s.key }

// NewDiscounting builds a Discounting environment.
func NewDiscounting(c DiscountingConfig) (*Discounting, error) {
	if c.Length < 1 || len(c.RewardSteps) < 1 || c.Best < 0 || c.Best >= len(c.RewardSteps) || c.NoiseScale < 0 {
		return nil, fmt.Errorf("env: discounting: bad config %+v", c)
	}
	for _, r := range c.RewardSteps {
		if r < 1 || r > c.Length {
			return nil, fmt.Errorf("env: discounting: reward step %d outside [1, %d]", r, c.Length)
		}
	}
	c.RewardSteps = clone(c.RewardSteps)
	e := &Discounting{cfg: c, rewards: make([]float64, len(c.RewardSteps))}
	for i := range e.rewards {
		e.rewards[i] = 1
	}
	e.rewards[c.Best] = 1.1
	return e, nil
}

func (e *Discounting) state(ctx, t int) *DiscountingState {
	k := strconv.AppendInt(append(make([]byte, 0, 16), "ctx="...), int64(ctx), 10)
	k = strconv.AppendInt(append(k, " t="...), int64(t), 10)
	return &DiscountingState{Context: ctx, T: t, key: string(k)}
}

func (e *Discounting) Name() string           { return "discounting" }
func (e *Discounting) Roles() int             { return 1 }
func (e *Discounting) Horizon() int           { return e.cfg.Length }
func (e *Discounting) Actions() []string      { return indexActions(len(e.cfg.RewardSteps)) }
func (e *Discounting) Role(State) int         { return 0 }
func (e *Discounting) Legal(State) []bool     { return nil }
func (e *Discounting) Start(*rand.Rand) State { return e.state(-1, 0) }
func (e *Discounting) StartDist() []Weighted  { return []Weighted{{S: e.state(-1, 0), P: 1}} }

// ChainReward is the reward of chain c (1, or 1.1 for the best chain).
func (e *Discounting) ChainReward(c int) float64 { return e.rewards[c] }

func (e *Discounting) Step(st State, t int, a int) []Transition {
	s := st.(*DiscountingState)
	ctx := s.Context
	if s.T == 0 {
		ctx = a
	}
	nt := s.T + 1
	r := 0.0
	if nt == e.cfg.RewardSteps[ctx] {
		r = e.rewards[ctx]
	}
	next := e.state(ctx, nt)
	done := nt >= e.cfg.Length
	if e.cfg.NoiseScale == 0 {
		return []Transition{{P: 1, Next: next, Reward: []float64{r}, Done: done}}
	}
	return []Transition{
		{P: 0.5, Next: next, Reward: []float64{r + e.cfg.NoiseScale}, Done: done},
		{P: 0.5, Next: next, Reward: []float64{r - e.cfg.NoiseScale}, Done: done},
	}
}

// Features is bsuite's observation [context, t/Length].
func (e *Discounting) Features(st State) []float64 {
	s := st.(*DiscountingState)
	return []float64{float64(s.Context), float64(s.T) / float64(e.cfg.Length)}
}

func (e *Discounting) Render(st State) string {
	s := st.(*DiscountingState)
	if s.Context < 0 {
		return fmt.Sprintf("Step %d/%d. Choose a chain [0]-[%d].", s.T, e.cfg.Length, len(e.rewards)-1)
	}
	return fmt.Sprintf("Step %d/%d. Chain %d. Any action continues.", s.T, e.cfg.Length, s.Context)
}

func (e *Discounting) Parse(text string) (int, bool) { return bracketIndex(text, len(e.rewards)) }
