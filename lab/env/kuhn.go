package env

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
)

// Kuhn is Kuhn poker with TextArena's KuhnPoker rules (environments.md §1.4,
// §5.3), two-player zero-sum, one shared policy for both roles.
//
// Rules. Deck J<Q<K; each round both players get one card (without
// replacement) and ante 1 (pot 2). The round's opener may check or bet;
// after a check the other may check (showdown) or bet; facing a bet a
// player may fold (the bettor takes the pot) or call (showdown). bet and
// call add 1 chip each; at showdown the higher card takes the pot. The
// opener alternates every round; in TextArena round 1 is opened by player 1
// (FirstPlayer, default 1).
//
// Rewards, per role, zero-sum. Chip mode (default, the recommended main
// task): each round pays each player its net chips (±1 or ±2) when the
// round ends. Win/loss mode (WinLoss, SPIRAL's Rounds=5 setting): 0 until
// the last round, then +1/−1 to the player with more chips, 0/0 on a tie.
// The declared invalid action (Invalider: an unparsable or illegal move)
// ends the game with −1.5 to the offender and +0.5 to the other (SPIRAL
// training values).
//
// State: round, both cards, this round's betting history (c check, b bet,
// k call, f fold), chip totals. ObsKey is the acting player's information
// state: its own card, the history of the current round, the round number
// and its chip lead. With one round this is the textbook information set
// (12 of them) and has perfect recall; with several rounds earlier rounds
// are summarised by the chip lead, which is a function of the state (the DP
// stays exact) but not perfect recall (PerfectRecall reports false).
type Kuhn struct{ cfg KuhnConfig }

// KuhnConfig holds the sizes of Kuhn.
type KuhnConfig struct {
	Rounds          int     // rounds per game (default 1; SPIRAL 5)
	WinLoss         bool    // sparse ±1 game outcome instead of chips (default false; registry: Rounds > 1)
	FirstPlayer     int     // opener of round 1 (default 1, TextArena)
	InvalidOffender float64 // reward of a player making an invalid move (default −1.5)
	InvalidOther    float64 // reward of its opponent (default +0.5)
}

// DefaultKuhnConfig returns the one-round chip game.
func DefaultKuhnConfig() KuhnConfig {
	return KuhnConfig{Rounds: 1, FirstPlayer: 1, InvalidOffender: -1.5, InvalidOther: 0.5}
}

// KuhnState is a Kuhn poker state.
type KuhnState struct {
	Round int
	Cards [2]int // 0 = J, 1 = Q, 2 = K
	Hist  string // this round: c check, b bet, k call, f fold
	Chips int    // player 0's net chips from finished rounds (player 1 has −Chips)
	key   string
}

func (s *KuhnState) Key() string { return s.key }

// NewKuhn builds a Kuhn environment.
func NewKuhn(c KuhnConfig) (*Kuhn, error) {
	if c.Rounds < 1 || c.Rounds > 20 || (c.FirstPlayer != 0 && c.FirstPlayer != 1) {
		return nil, fmt.Errorf("env: kuhn: bad config %+v (need 1 ≤ Rounds ≤ 20, FirstPlayer 0 or 1)", c)
	}
	return &Kuhn{cfg: c}, nil
}

const kuhnCards = "JQK"

var kuhnDeals = [6][2]int{{0, 1}, {0, 2}, {1, 0}, {1, 2}, {2, 0}, {2, 1}}

func (e *Kuhn) state(round int, cards [2]int, hist string, chips int) *KuhnState {
	k := strconv.AppendInt(append(make([]byte, 0, 32), "r="...), int64(round), 10)
	k = append(k, " cards="...)
	k = append(k, kuhnCards[cards[0]], kuhnCards[cards[1]])
	k = append(append(k, " h="...), hist...)
	k = strconv.AppendInt(append(k, " chips="...), int64(chips), 10)
	return &KuhnState{Round: round, Cards: cards, Hist: hist, Chips: chips, key: string(k)}
}

func (e *Kuhn) Name() string      { return "kuhn" }
func (e *Kuhn) Roles() int        { return 2 }
func (e *Kuhn) Horizon() int      { return 3 * e.cfg.Rounds }
func (e *Kuhn) Actions() []string { return []string{"check", "bet", "call", "fold"} }

// Config returns the sizes.
func (e *Kuhn) Config() KuhnConfig { return e.cfg }

// Opener is the player who opens round r.
func (e *Kuhn) Opener(round int) int { return (e.cfg.FirstPlayer + round) % 2 }

// Role is the acting player.
func (e *Kuhn) Role(st State) int {
	s := st.(*KuhnState)
	return (e.Opener(s.Round) + len(s.Hist)) % 2
}

// PerfectRecall is true for the one-round game.
func (e *Kuhn) PerfectRecall() bool { return e.cfg.Rounds == 1 }

// ObsKey is the acting player's information state.
func (e *Kuhn) ObsKey(st State) string {
	s := st.(*KuhnState)
	p := e.Role(s)
	lead := s.Chips
	if p == 1 {
		lead = -lead
	}
	return fmt.Sprintf("r=%d p=%d card=%c h=%s lead=%d", s.Round, p, kuhnCards[s.Cards[p]], s.Hist, lead)
}

func (e *Kuhn) Legal(st State) []bool {
	switch st.(*KuhnState).Hist {
	case "", "c":
		return []bool{true, true, false, false}
	default: // "b", "cb"
		return []bool{false, false, true, true}
	}
}

func (e *Kuhn) Start(rng *rand.Rand) State {
	return e.state(0, kuhnDeals[rng.IntN(6)], "", 0)
}

// StartDist enumerates the 6 deals of round 1.
func (e *Kuhn) StartDist() []Weighted {
	out := make([]Weighted, 6)
	for i, d := range kuhnDeals {
		out[i] = Weighted{S: e.state(0, d, "", 0), P: 1.0 / 6}
	}
	return out
}

func (e *Kuhn) Step(st State, t int, a int) []Transition {
	s := st.(*KuhnState)
	if !e.Legal(s)[a] {
		return e.Invalid(s, t)
	}
	actor := e.Role(s)
	h := s.Hist + string("cbkf"[a])
	// Net chips of player 0 for a finished round.
	var net int
	switch h {
	case "cc":
		net = 1
	case "bk", "cbk":
		net = 2
	case "bf", "cbf":
		net = 1 // the folder (actor) loses its ante
		if actor == 0 {
			net = -1
		}
	default:
		return []Transition{{P: 1, Next: e.state(s.Round, s.Cards, h, s.Chips), Reward: []float64{0, 0}}}
	}
	if h[len(h)-1] != 'f' && s.Cards[0] < s.Cards[1] {
		net = -net
	}
	chips := s.Chips + net
	last := s.Round+1 >= e.cfg.Rounds
	var r float64
	switch {
	case !e.cfg.WinLoss:
		r = float64(net)
	case last && chips > 0:
		r = 1
	case last && chips < 0:
		r = -1
	}
	if last {
		return []Transition{{P: 1, Next: e.state(s.Round, s.Cards, h, chips), Reward: []float64{r, -r}, Done: true}}
	}
	out := make([]Transition, 6)
	for i, d := range kuhnDeals {
		out[i] = Transition{P: 1.0 / 6, Next: e.state(s.Round+1, d, "", chips), Reward: []float64{r, -r}}
	}
	return out
}

// Invalid ends the game: InvalidOffender to the actor, InvalidOther to the other.
func (e *Kuhn) Invalid(st State, t int) []Transition {
	r := make([]float64, 2)
	actor := e.Role(st)
	r[actor], r[1-actor] = e.cfg.InvalidOffender, e.cfg.InvalidOther
	return []Transition{{P: 1, Next: st, Reward: r, Done: true}}
}

// Features (acting player's view): own card (3), history (4: "", c, b, cb),
// acting player, round/Rounds, chip lead/(2·Rounds).
func (e *Kuhn) Features(st State) []float64 {
	s := st.(*KuhnState)
	p := e.Role(s)
	f := make([]float64, 10)
	f[s.Cards[p]] = 1
	f[3+map[string]int{"": 0, "c": 1, "b": 2, "cb": 3}[s.Hist]] = 1
	f[7] = float64(p)
	f[8] = float64(s.Round) / float64(e.cfg.Rounds)
	lead := s.Chips
	if p == 1 {
		lead = -lead
	}
	f[9] = float64(lead) / float64(2*e.cfg.Rounds)
	return f
}

// Render is the acting player's prompt (a paraphrase of the rules, not
// TextArena's text).
func (e *Kuhn) Render(st State) string {
	s := st.(*KuhnState)
	p := e.Role(s)
	var sb strings.Builder
	fmt.Fprintf(&sb, "You are Player %d in Kuhn poker (deck J < Q < K, ante 1, %d round(s)). ", p, e.cfg.Rounds)
	fmt.Fprintf(&sb, "Round %d of %d; Player %d opened. Your card: %c. ", s.Round+1, e.cfg.Rounds, e.Opener(s.Round), kuhnCards[s.Cards[p]])
	lead := s.Chips
	if p == 1 {
		lead = -lead
	}
	if e.cfg.Rounds > 1 {
		fmt.Fprintf(&sb, "Your chip lead: %+d. ", lead)
	}
	pot := 2
	actor := e.Opener(s.Round)
	for _, c := range s.Hist {
		name := map[rune]string{'c': "check", 'b': "bet", 'k': "call", 'f': "fold"}[c]
		fmt.Fprintf(&sb, "Player %d: [%s]. ", actor, name)
		if c == 'b' || c == 'k' {
			pot++
		}
		actor = 1 - actor
	}
	fmt.Fprintf(&sb, "Pot: %d. Your move:", pot)
	for a, ok := range e.Legal(s) {
		if ok {
			fmt.Fprintf(&sb, " [%s]", e.Actions()[a])
		}
	}
	return sb.String()
}

var kuhnMove = regexp.MustCompile(`(?i)\[(check|bet|call|fold)\]`)

// Parse reads the first bracketed move, case-insensitive ("[Bet]"); a bare
// action name is accepted too.
func (e *Kuhn) Parse(text string) (int, bool) {
	w := strings.ToLower(strings.TrimSpace(text))
	if m := kuhnMove.FindStringSubmatch(text); m != nil {
		w = strings.ToLower(m[1])
	}
	for a, n := range e.Actions() {
		if w == n {
			return a, true
		}
	}
	return 0, false
}
