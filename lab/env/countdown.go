package env

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Countdown is TinyZero's Countdown task (environments.md §1.9, §5.7) in
// step mode: the state is the multiset of remaining numbers (each with the
// expression that built it) and the target; an action combines two of them
// with + − × ÷; after Numbers−1 steps one expression remains, a complete
// equation using every number exactly once, and the reward is TinyZero's:
// 1.0 if its value equals the target (|v − target| < 1e-5), else the
// format score 0.1 (CountdownScore of "<answer>expr</answer>" gives the
// same number). Intermediates stay integers: ÷ is legal only when exact
// (so solutions needing fractions are out of reach of the step mode);
// subtraction may go negative. + and × are legal only as "i op j" with
// i < j (the other order is the same move).
//
// Instances are solvable by construction: Numbers values in [1, MaxNumber]
// are reduced by a random sequence of integer steps to a value in
// [1, MaxTarget], which becomes the target.
//
// Actions are named "i+j", "i-j", "i*j", "i/j" with i, j positions in the
// sorted list of remaining numbers (sorted by value, then expression).
type Countdown struct {
	cfg     CountdownConfig
	actions []string
	pool    []*cdInstance
}

// CountdownConfig holds the sizes of Countdown.
type CountdownConfig struct {
	Numbers   int // numbers per instance (default 4; 2..6)
	MaxNumber int // numbers drawn from [1, MaxNumber] (default 100)
	MaxTarget int // target in [1, MaxTarget] (default 100)
	Pool      int // 0: a fresh instance per Start; >0: a fixed pool drawn from the seed
}

// DefaultCountdownConfig returns the lab defaults.
func DefaultCountdownConfig() CountdownConfig {
	return CountdownConfig{Numbers: 4, MaxNumber: 100, MaxTarget: 100}
}

type cdInstance struct {
	numbers []int
	target  int
}

type cdItem struct {
	V    int
	Expr string
}

// CountdownState is the remaining numbers (sorted) and the instance.
type CountdownState struct {
	inst  *cdInstance
	Items []cdItem
	key   string
}

func (s *CountdownState) Key() string { return s.key }

// Numbers returns the instance's numbers.
func (s *CountdownState) Numbers() []int { return clone(s.inst.numbers) }

// Target returns the instance's target.
func (s *CountdownState) Target() int { return s.inst.target }

// NewCountdown builds a Countdown environment.
func NewCountdown(c CountdownConfig, seed uint64) (*Countdown, error) {
	if c.Numbers < 2 || c.Numbers > 6 || c.MaxNumber < 1 || c.MaxTarget < 1 || c.Pool < 0 {
		return nil, fmt.Errorf("env: countdown: bad config %+v (need 2 ≤ Numbers ≤ 6)", c)
	}
	e := &Countdown{cfg: c}
	for i := 0; i < c.Numbers; i++ {
		for j := 0; j < c.Numbers; j++ {
			if i != j {
				for _, op := range "+-*/" {
					e.actions = append(e.actions, fmt.Sprintf("%d%c%d", i, op, j))
				}
			}
		}
	}
	if c.Pool > 0 {
		rng := rand.New(rand.NewPCG(seed, 0xc0d0))
		for range c.Pool {
			e.pool = append(e.pool, e.generate(rng))
		}
	}
	return e, nil
}

func cdApply(op byte, x, y int) (int, bool) {
	switch op {
	case '+':
		return x + y, true
	case '-':
		return x - y, true
	case '*':
		return x * y, true
	}
	if y == 0 || x%y != 0 {
		return 0, false
	}
	return x / y, true
}

func (e *Countdown) generate(rng *rand.Rand) *cdInstance {
	for {
		nums := make([]int, e.cfg.Numbers)
		for i := range nums {
			nums[i] = 1 + rng.IntN(e.cfg.MaxNumber)
		}
		for try := 0; try < 200; try++ {
			vals := clone(nums)
			for len(vals) > 1 {
				i := rng.IntN(len(vals))
				j := rng.IntN(len(vals) - 1)
				if j >= i {
					j++
				}
				v, ok := cdApply("+-*/"[rng.IntN(4)], vals[i], vals[j])
				if !ok || v < 0 {
					break
				}
				vals[i] = v
				vals = slices.Delete(vals, j, j+1)
			}
			if len(vals) == 1 && vals[0] >= 1 && vals[0] <= e.cfg.MaxTarget {
				return &cdInstance{numbers: nums, target: vals[0]}
			}
		}
	}
}

func (e *Countdown) state(inst *cdInstance, items []cdItem) *CountdownState {
	slices.SortFunc(items, func(a, b cdItem) int {
		if a.V != b.V {
			return a.V - b.V
		}
		return strings.Compare(a.Expr, b.Expr)
	})
	var sb strings.Builder
	fmt.Fprintf(&sb, "target=%d", inst.target)
	for _, it := range items {
		sb.WriteString(" ")
		sb.WriteString(it.Expr)
	}
	return &CountdownState{inst: inst, Items: items, key: sb.String()}
}

// NewCountdownState is the start state of an instance (numbers, target).
func (e *Countdown) NewCountdownState(numbers []int, target int) *CountdownState {
	inst := &cdInstance{numbers: clone(numbers), target: target}
	items := make([]cdItem, len(numbers))
	for i, n := range numbers {
		items[i] = cdItem{V: n, Expr: strconv.Itoa(n)}
	}
	return e.state(inst, items)
}

func (e *Countdown) Name() string      { return "countdown" }
func (e *Countdown) Roles() int        { return 1 }
func (e *Countdown) Horizon() int      { return e.cfg.Numbers - 1 }
func (e *Countdown) Actions() []string { return e.actions }
func (e *Countdown) Role(State) int    { return 0 }

func (e *Countdown) Start(rng *rand.Rand) State {
	inst := e.generateOrPick(rng)
	return e.NewCountdownState(inst.numbers, inst.target)
}

func (e *Countdown) generateOrPick(rng *rand.Rand) *cdInstance {
	if len(e.pool) > 0 {
		return e.pool[rng.IntN(len(e.pool))]
	}
	return e.generate(rng)
}

// StartDist is uniform over the pool, nil without one.
func (e *Countdown) StartDist() []Weighted {
	if len(e.pool) == 0 {
		return nil
	}
	out := make([]Weighted, len(e.pool))
	for i, inst := range e.pool {
		out[i] = Weighted{S: e.NewCountdownState(inst.numbers, inst.target), P: 1 / float64(len(e.pool))}
	}
	return out
}

// decode maps an action index to (i, op, j).
func (e *Countdown) decode(a int) (int, byte, int) {
	name := e.actions[a]
	return int(name[0] - '0'), name[1], int(name[2] - '0')
}

func (e *Countdown) legal(s *CountdownState, a int) bool {
	i, op, j := e.decode(a)
	n := len(s.Items)
	if i >= n || j >= n || ((op == '+' || op == '*') && i > j) {
		return false
	}
	_, ok := cdApply(op, s.Items[i].V, s.Items[j].V)
	return ok
}

func (e *Countdown) Legal(st State) []bool {
	s := st.(*CountdownState)
	l := make([]bool, len(e.actions))
	for a := range l {
		l[a] = e.legal(s, a)
	}
	return l
}

func (e *Countdown) Step(st State, t int, a int) []Transition {
	s := st.(*CountdownState)
	if a < 0 || a >= len(e.actions) || !e.legal(s, a) {
		return e.Invalid(s, t)
	}
	i, op, j := e.decode(a)
	v, _ := cdApply(op, s.Items[i].V, s.Items[j].V)
	items := make([]cdItem, 0, len(s.Items)-1)
	for k, it := range s.Items {
		if k != i && k != j {
			items = append(items, it)
		}
	}
	items = append(items, cdItem{V: v, Expr: fmt.Sprintf("(%s %c %s)", s.Items[i].Expr, op, s.Items[j].Expr)})
	next := e.state(s.inst, items)
	if len(items) > 1 {
		return []Transition{{P: 1, Next: next, Reward: []float64{0}}}
	}
	r := 0.1
	if v == s.inst.target {
		r = 1
	}
	return []Transition{{P: 1, Next: next, Reward: []float64{r}, Done: true}}
}

// Invalid ends the episode with reward 0 (TinyZero: no parsable answer).
func (e *Countdown) Invalid(st State, t int) []Transition {
	return []Transition{{P: 1, Next: st, Reward: []float64{0}, Done: true}}
}

// Features: remaining values / MaxNumber (sorted, padded), target /
// MaxTarget, remaining count / Numbers.
func (e *Countdown) Features(st State) []float64 {
	s := st.(*CountdownState)
	f := make([]float64, e.cfg.Numbers+2)
	for i, it := range s.Items {
		f[i] = float64(it.V) / float64(e.cfg.MaxNumber)
	}
	f[e.cfg.Numbers] = float64(s.inst.target) / float64(e.cfg.MaxTarget)
	f[e.cfg.Numbers+1] = float64(len(s.Items)) / float64(e.cfg.Numbers)
	return f
}

func (e *Countdown) Render(st State) string {
	s := st.(*CountdownState)
	var sb strings.Builder
	fmt.Fprintf(&sb, "Using the numbers %v, create an equation that equals %d (+, -, *, /; each number once).\nRemaining:", s.inst.numbers, s.inst.target)
	for i, it := range s.Items {
		fmt.Fprintf(&sb, " [%d] %s = %d;", i, it.Expr, it.V)
	}
	sb.WriteString("\nCombine two: reply like <step>[0] + [1]</step>.")
	return sb.String()
}

var cdStep = regexp.MustCompile(`\[?(\d+)\]?\s*([-+*/])\s*\[?(\d+)\]?`)

// Parse reads a canonical action name "i+j" (spaces and brackets allowed:
// "[0] + [1]").
func (e *Countdown) Parse(text string) (int, bool) {
	m := cdStep.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	i := slices.Index(e.actions, m[1]+m[2]+m[3])
	return i, i >= 0
}

// ParseIn reads "<step>12 + 5</step>" (or "12 + 5") naming two remaining
// values; the first match by value wins. It falls back to positions.
func (e *Countdown) ParseIn(st State, text string) (int, bool) {
	s := st.(*CountdownState)
	m := cdStep.FindStringSubmatch(text)
	if m == nil || strings.Contains(m[0], "[") {
		return 0, false
	}
	x, _ := strconv.Atoi(m[1])
	y, _ := strconv.Atoi(m[3])
	i := slices.IndexFunc(s.Items, func(it cdItem) bool { return it.V == x })
	j := -1
	for k, it := range s.Items {
		if k != i && it.V == y {
			j = k
			break
		}
	}
	if i < 0 || j < 0 {
		return 0, false
	}
	if (m[2] == "+" || m[2] == "*") && i > j {
		i, j = j, i
	}
	a := slices.Index(e.actions, fmt.Sprintf("%d%s%d", i, m[2], j))
	return a, a >= 0 && e.legal(s, a)
}
