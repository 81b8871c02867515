package env

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Memory is bsuite's MemoryChain (memory_len; environments.md §1.5, §5.2).
// At reset a context of Bits random bits and a query index are drawn. The
// episode has Length+1 decisions (t = 0..Length); only the last is scored:
// +1 if the action equals context[query], else −1. Earlier steps pay 0 (plus
// ±NoiseScale noise when NoiseScale > 0; off by default).
//
// Observation (Features, Render): [1 − t/L, query (only at the last
// decision), context as ±1 (only at t = 0)]. The Key is the Markov state
// (context, query, t), which is also the information state of a policy that
// remembers its history; a policy on Features alone must remember.
// Deviation: bsuite shows the query one step early and the context twice
// (its step() returns the observation computed before the step counter
// moves); here the context appears at the first decision and the query at
// the last.
type Memory struct{ cfg MemoryConfig }

// MemoryConfig holds the sizes of Memory.
type MemoryConfig struct {
	Length     int     // memory length L (default 5; bsuite sweeps 1..100)
	Bits       int     // context bits (default 1, at most 8)
	NoiseScale float64 // optional per-step reward noise (default 0)
}

// DefaultMemoryConfig returns the lab defaults.
func DefaultMemoryConfig() MemoryConfig { return MemoryConfig{Length: 5, Bits: 1} }

// MemoryState is (context, query, t).
type MemoryState struct {
	Context uint32
	Query   int
	T       int
	key     string
}

func (s *MemoryState) Key() string { return s.key }

// NewMemory builds a Memory environment.
func NewMemory(c MemoryConfig) (*Memory, error) {
	if c.Length < 1 || c.Bits < 1 || c.Bits > 8 || c.NoiseScale < 0 {
		return nil, fmt.Errorf("env: memory: bad config %+v (need Length ≥ 1, 1 ≤ Bits ≤ 8, NoiseScale ≥ 0)", c)
	}
	return &Memory{cfg: c}, nil
}

func (e *Memory) state(ctx uint32, q, t int) *MemoryState {
	return &MemoryState{Context: ctx, Query: q, T: t, key: fmt.Sprintf("ctx=%0*b q=%d t=%d", e.cfg.Bits, ctx, q, t)}
}

func (e *Memory) Name() string       { return "memory" }
func (e *Memory) Roles() int         { return 1 }
func (e *Memory) Horizon() int       { return e.cfg.Length + 1 }
func (e *Memory) Actions() []string  { return indexActions(2) }
func (e *Memory) Role(State) int     { return 0 }
func (e *Memory) Legal(State) []bool { return nil }

func (e *Memory) Start(rng *rand.Rand) State {
	return e.state(uint32(rng.IntN(1<<e.cfg.Bits)), rng.IntN(e.cfg.Bits), 0)
}

// StartDist enumerates context × query uniformly.
func (e *Memory) StartDist() []Weighted {
	n := 1 << e.cfg.Bits
	p := 1 / float64(n*e.cfg.Bits)
	var out []Weighted
	for c := 0; c < n; c++ {
		for q := 0; q < e.cfg.Bits; q++ {
			out = append(out, Weighted{S: e.state(uint32(c), q, 0), P: p})
		}
	}
	return out
}

func (e *Memory) Step(st State, t int, a int) []Transition {
	s := st.(*MemoryState)
	if s.T >= e.cfg.Length {
		r := -1.0
		if uint32(a) == s.Context>>s.Query&1 {
			r = 1
		}
		return []Transition{{P: 1, Next: s, Reward: []float64{r}, Done: true}}
	}
	next := e.state(s.Context, s.Query, s.T+1)
	if e.cfg.NoiseScale == 0 {
		return []Transition{{P: 1, Next: next, Reward: []float64{0}}}
	}
	return []Transition{
		{P: 0.5, Next: next, Reward: []float64{e.cfg.NoiseScale}},
		{P: 0.5, Next: next, Reward: []float64{-e.cfg.NoiseScale}},
	}
}

// Features is the current observation only (see the type comment).
func (e *Memory) Features(st State) []float64 {
	s := st.(*MemoryState)
	f := make([]float64, 2+e.cfg.Bits)
	f[0] = 1 - float64(s.T)/float64(e.cfg.Length)
	if s.T == e.cfg.Length {
		f[1] = float64(s.Query)
	}
	if s.T == 0 {
		for i := 0; i < e.cfg.Bits; i++ {
			f[2+i] = float64(2*int(s.Context>>i&1) - 1)
		}
	}
	return f
}

func (e *Memory) Render(st State) string {
	s := st.(*MemoryState)
	var sb strings.Builder
	fmt.Fprintf(&sb, "Step %d/%d.", s.T, e.cfg.Length)
	if s.T == 0 {
		sb.WriteString(" Remember the context bits:")
		for i := 0; i < e.cfg.Bits; i++ {
			fmt.Fprintf(&sb, " %d", s.Context>>i&1)
		}
		sb.WriteString(".")
	}
	if s.T == e.cfg.Length {
		fmt.Fprintf(&sb, " Query: what was context bit %d? Answer [0] or [1].", s.Query)
	} else {
		sb.WriteString(" Any action continues.")
	}
	return sb.String()
}

func (e *Memory) Parse(text string) (int, bool) { return bracketIndex(text, 2) }
