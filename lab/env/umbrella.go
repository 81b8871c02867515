package env

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Umbrella is bsuite's UmbrellaChain (umbrella_length; environments.md
// §1.5, §5.2). At reset need ~ Bern(½) and have ~ Bern(½); the first action
// sets have = action, and it is the only action that matters. Every
// non-final step pays noise ±NoiseScale with probability ½ each
// (bsuite: ±1); the step reaching t = Length pays +1 if have == need, else
// −1, and ends the episode. The observation is
// [need, have, 1 − t/L, Distractors random bits] with the bits redrawn
// every step.
//
// Exact truth: A_0(s, a) = 2·(1[a = need] − π(need|s)) and A_t = 0 for t > 0.
//
// Deviation: the distractor bits are part of the state (so that a policy may
// condition on them and the DP stays exact); bsuite's 20 bits would make
// 2^20 states per step, so the default is 2 (option). Noise and distractors
// are enumerated outcomes of Step.
type Umbrella struct{ cfg UmbrellaConfig }

// UmbrellaConfig holds the sizes of Umbrella.
type UmbrellaConfig struct {
	Length      int     // chain length L = horizon (default 10; bsuite sweeps 1..100)
	Distractors int     // distractor bits (default 2; bsuite 20; at most 12)
	NoiseScale  float64 // amplitude of the intermediate reward noise (default 1; 0 = clean)
}

// DefaultUmbrellaConfig returns the lab defaults.
func DefaultUmbrellaConfig() UmbrellaConfig {
	return UmbrellaConfig{Length: 10, Distractors: 2, NoiseScale: 1}
}

// UmbrellaState is (t, need, have, distractor bits).
type UmbrellaState struct {
	T, Need, Have int
	Bits          uint32
	key           string
}

func (s *UmbrellaState) Key() string { return s.key }

// NewUmbrella builds an Umbrella environment.
func NewUmbrella(c UmbrellaConfig) (*Umbrella, error) {
	if c.Length < 1 || c.Distractors < 0 || c.Distractors > 12 || c.NoiseScale < 0 {
		return nil, fmt.Errorf("env: umbrella: bad config %+v (need Length ≥ 1, 0 ≤ Distractors ≤ 12, NoiseScale ≥ 0)", c)
	}
	return &Umbrella{cfg: c}, nil
}

func (e *Umbrella) state(t, need, have int, bits uint32) *UmbrellaState {
	k := make([]byte, 0, 32+e.cfg.Distractors)
	k = append(k, "t="...)
	k = strconv.AppendInt(k, int64(t), 10)
	k = append(k, " need="...)
	k = append(k, byte('0'+need))
	k = append(k, " have="...)
	k = append(k, byte('0'+have))
	k = append(k, " bits="...)
	for i := 0; i < e.cfg.Distractors; i++ {
		k = append(k, byte('0'+bits>>i&1))
	}
	return &UmbrellaState{T: t, Need: need, Have: have, Bits: bits, key: string(k)}
}

func (e *Umbrella) Name() string           { return "umbrella" }
func (e *Umbrella) Roles() int             { return 1 }
func (e *Umbrella) Horizon() int           { return e.cfg.Length }
func (e *Umbrella) Actions() []string      { return indexActions(2) }
func (e *Umbrella) Role(State) int         { return 0 }
func (e *Umbrella) Legal(State) []bool     { return nil }
func (e *Umbrella) Config() UmbrellaConfig { return e.cfg }

func (e *Umbrella) Start(rng *rand.Rand) State {
	return e.state(0, rng.IntN(2), rng.IntN(2), uint32(rng.IntN(1<<e.cfg.Distractors)))
}

// StartDist enumerates need × have × bits uniformly.
func (e *Umbrella) StartDist() []Weighted {
	nb := 1 << e.cfg.Distractors
	p := 1 / float64(4*nb)
	var out []Weighted
	for need := 0; need < 2; need++ {
		for have := 0; have < 2; have++ {
			for b := 0; b < nb; b++ {
				out = append(out, Weighted{S: e.state(0, need, have, uint32(b)), P: p})
			}
		}
	}
	return out
}

func (e *Umbrella) Step(st State, t int, a int) []Transition {
	s := st.(*UmbrellaState)
	have := s.Have
	if s.T == 0 {
		have = a
	}
	nt := s.T + 1
	if nt >= e.cfg.Length {
		r := -1.0
		if have == s.Need {
			r = 1
		}
		return []Transition{{P: 1, Next: e.state(nt, s.Need, have, 0), Reward: []float64{r}, Done: true}}
	}
	noise := []float64{e.cfg.NoiseScale, -e.cfg.NoiseScale}
	if e.cfg.NoiseScale == 0 {
		noise = []float64{0}
	}
	nb := 1 << e.cfg.Distractors
	p := 1 / float64(len(noise)*nb)
	out := make([]Transition, 0, len(noise)*nb)
	for b := 0; b < nb; b++ {
		next := e.state(nt, s.Need, have, uint32(b))
		for _, r := range noise {
			out = append(out, Transition{P: p, Next: next, Reward: []float64{r}})
		}
	}
	return out
}

// Features is bsuite's observation [need, have, 1 − t/L, bits…].
func (e *Umbrella) Features(st State) []float64 {
	s := st.(*UmbrellaState)
	f := make([]float64, 3+e.cfg.Distractors)
	f[0], f[1], f[2] = float64(s.Need), float64(s.Have), 1-float64(s.T)/float64(e.cfg.Length)
	for i := 0; i < e.cfg.Distractors; i++ {
		f[3+i] = float64(s.Bits >> i & 1)
	}
	return f
}

func (e *Umbrella) Render(st State) string {
	s := st.(*UmbrellaState)
	yes := func(b int) string { return [2]string{"no", "yes"}[b] }
	var bits strings.Builder
	for i := 0; i < e.cfg.Distractors; i++ {
		fmt.Fprint(&bits, s.Bits>>i&1)
	}
	return fmt.Sprintf("Step %d/%d. Need umbrella: %s. Holding umbrella: %s. Signals: %s. Answer [1] to take the umbrella, [0] not to.",
		s.T, e.cfg.Length, yes(s.Need), yes(s.Have), bits.String())
}

// Parse reads "[0]"/"[1]" (or a bare digit).
func (e *Umbrella) Parse(text string) (int, bool) { return bracketIndex(text, 2) }
