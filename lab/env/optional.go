package env

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Optional interfaces. An environment implements them when they apply; the
// helper functions below give the default behaviour otherwise. Every
// environment of this package is immutable after construction: its methods
// may be called from several goroutines at once.

// Observer is implemented by environments where the acting player does not
// see the whole state (KuhnPoker: the opponent's card; DelayedEffect: the
// hidden "first action was optimal" flag). ObsKey identifies the acting
// player's information state: states with the same ObsKey are
// indistinguishable to that player, and Key refines ObsKey. A policy that
// must not cheat conditions on ObsKey (and t), never on Key.
type Observer interface {
	ObsKey(s State) string
}

// ObsKey returns e's observation key for s: Observer.ObsKey when e
// implements it, else s.Key() (fully observable).
func ObsKey(e Env, s State) string {
	if o, ok := e.(Observer); ok {
		return o.ObsKey(s)
	}
	return s.Key()
}

// PerfectRecaller reports whether ObsKey has perfect recall (a player's
// information state determines everything that player saw and did). The
// best-response computation of truth.Exploitability needs it.
type PerfectRecaller interface {
	PerfectRecall() bool
}

// Invalider declares the consequence of an unparsable or illegal text
// action in s at time t (the "declared invalid action" of environments.md
// §5(b)): Sokoban6 a no-op costing the step penalty, KuhnPoker and
// TicTacToe the end of the game with (−1.5, +0.5), the QA and reasoning
// tasks the end of the episode with reward 0.
type Invalider interface {
	Invalid(s State, t int) []Transition
}

// StateParser parses free text in the context of s, for actions whose text
// names something only the state knows (KBHop: an entity name; Countdown:
// two numbers). Parse accepts the canonical action names in any state.
type StateParser interface {
	ParseIn(s State, text string) (int, bool)
}

// ParseIn parses text in the context of s: StateParser.ParseIn when e
// implements it and succeeds, else e.Parse.
func ParseIn(e Env, s State, text string) (int, bool) {
	if p, ok := e.(StateParser); ok {
		if a, ok := p.ParseIn(s, text); ok {
			return a, true
		}
	}
	return e.Parse(text)
}

// LegalActions lists the indices of the legal actions of s.
func LegalActions(e Env, s State) []int {
	legal := e.Legal(s)
	n := len(e.Actions())
	out := make([]int, 0, n)
	for a := 0; a < n; a++ {
		if legal == nil || legal[a] {
			out = append(out, a)
		}
	}
	return out
}

// SampleStep draws one outcome of action a in s at time t.
func SampleStep(e Env, s State, t, a int, rng *rand.Rand) Transition {
	trs := e.Step(s, t, a)
	u := rng.Float64()
	for _, tr := range trs {
		u -= tr.P
		if u < 0 {
			return tr
		}
	}
	return trs[len(trs)-1]
}

// Helpers shared by the environments.

// bracketIndex parses "[k]" (or a bare integer) into k in [0, n).
func bracketIndex(text string, n int) (int, bool) {
	t := strings.TrimSpace(text)
	if i := strings.LastIndex(t, "["); i >= 0 {
		if j := strings.Index(t[i:], "]"); j > 0 {
			t = strings.TrimSpace(t[i+1 : i+j])
		}
	}
	k, err := strconv.Atoi(t)
	if err != nil || k < 0 || k >= n {
		return 0, false
	}
	return k, true
}

// indexActions names actions "0".."n-1".
func indexActions(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}

func clone[T any](s []T) []T { return append([]T(nil), s...) }
