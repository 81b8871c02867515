package env

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Sokoban6 is gym-sokoban as configured by verl-agent for GiGPO
// (environments.md §1.1, §5.1): a 6x6 room, one box, 15 steps.
//
// Rules. Actions up, down, left, right are gym-sokoban "push" actions: if the
// adjacent cell holds a box and the cell beyond is floor or an empty target,
// box and player move; else if the adjacent cell is floor or an empty target,
// the player moves; else nothing changes (the step still counts). Reward per
// step: −0.1, +1 when the number of boxes on targets rises, −1 when it falls,
// +10 (and the episode ends) when all boxes are on targets. An episode that
// reaches MaxSteps is truncated. The declared invalid action (Invalider) is a
// no-op costing −0.1, as in the verl-agent fork; the trainer-level invalid
// penalty is the lab's business.
//
// Levels follow gym-sokoban's generator semantically (Go PCG streams, not
// the Python levels): a random-walk topology (GenSteps steps, direction
// change with probability 0.35, one of 5 3x3 floor masks per step, border
// walls), player then targets on random floor cells with the boxes on their
// targets, then a depth-first reverse play (pulls and moves, depth
// SearchDepth, explored-state set, ≤300k states) keeping the state that
// maximises pulls × Σ Manhattan(box, its target). Quirks reproduced: the
// "box swap" count is the number of pulls on the DFS path (the reference
// never updates its last-pull argument), and a state scores 0 unless every
// target is empty, so neither a box nor the player may stand on a target.
// A score-0 room is redrawn. Deviation, on by default: rooms whose shortest
// solution exceeds MaxSolution steps are redrawn too (RAGEN's
// min/max-solution filter), so every level can be solved within the
// horizon; MaxSolution < 0 disables it.
//
// State and key: the Key is the compact text grid (one symbol per cell, rows
// joined by "\n"): GiGPO's anchor observation. Render is verl-agent's text
// mode (each cell " c " separated by tabs). Symbols: # wall, _ floor,
// O target, √ box on target, X box, P player, S player on target.
type Sokoban6 struct {
	cfg  Sokoban6Config
	pool []*sokobanLevel
}

// Sokoban6Config holds the sizes of Sokoban6.
type Sokoban6Config struct {
	Dim         int // room side (default 6)
	Boxes       int // number of boxes (default 1)
	MaxSteps    int // horizon (default 15, verl-agent env.max_steps)
	SearchDepth int // reverse-play DFS depth (default 30, verl-agent search_depth)
	GenSteps    int // random-walk steps (default 20 = int(1.7·(6+6)))
	MaxSolution int // redraw rooms whose shortest solution is longer (0 = MaxSteps, the default; <0 off)
	Pool        int // 0: a fresh level per Start; >0: a fixed pool drawn from the seed (default 0)
}

// DefaultSokoban6Config returns the verl-agent sizes.
func DefaultSokoban6Config() Sokoban6Config {
	return Sokoban6Config{Dim: 6, Boxes: 1, MaxSteps: 15, SearchDepth: 30, GenSteps: 20}
}

type sokobanLevel struct {
	dim     int
	wall    []bool
	target  []bool
	targets []int
	player  int   // start
	boxes   []int // start, sorted
}

// SokobanState is a Sokoban6 state: a level and the movable pieces.
type SokobanState struct {
	lvl    *sokobanLevel
	Player int   // cell index row*dim+col
	Boxes  []int // sorted cell indices
	key    string
}

// Key is the compact grid.
func (s *SokobanState) Key() string { return s.key }

// NewSokoban6 builds a Sokoban6 environment.
func NewSokoban6(c Sokoban6Config, seed uint64) (*Sokoban6, error) {
	switch {
	case c.Dim < 4 || c.Dim > 12:
		return nil, fmt.Errorf("env: sokoban6: Dim %d out of range [4,12]", c.Dim)
	case c.Boxes < 1 || c.Boxes > 3:
		return nil, fmt.Errorf("env: sokoban6: Boxes %d out of range [1,3]", c.Boxes)
	case c.MaxSteps < 1:
		return nil, fmt.Errorf("env: sokoban6: MaxSteps %d < 1", c.MaxSteps)
	case c.SearchDepth < 2:
		return nil, fmt.Errorf("env: sokoban6: SearchDepth %d < 2", c.SearchDepth)
	case c.GenSteps < 1:
		return nil, fmt.Errorf("env: sokoban6: GenSteps %d < 1", c.GenSteps)
	case c.Pool < 0:
		return nil, fmt.Errorf("env: sokoban6: Pool %d < 0", c.Pool)
	}
	e := &Sokoban6{cfg: c}
	if c.Pool > 0 {
		rng := rand.New(rand.NewPCG(seed, 0x50b0))
		for range c.Pool {
			e.pool = append(e.pool, e.generate(rng))
		}
	}
	return e, nil
}

func (e *Sokoban6) Name() string      { return "sokoban6" }
func (e *Sokoban6) Roles() int        { return 1 }
func (e *Sokoban6) Horizon() int      { return e.cfg.MaxSteps }
func (e *Sokoban6) Actions() []string { return []string{"up", "down", "left", "right"} }
func (e *Sokoban6) Role(State) int    { return 0 }
func (e *Sokoban6) Legal(State) []bool {
	return nil
}

// Config returns the sizes.
func (e *Sokoban6) Config() Sokoban6Config { return e.cfg }

// Start draws a level: a fresh one, or one of the pool.
func (e *Sokoban6) Start(rng *rand.Rand) State {
	var l *sokobanLevel
	if len(e.pool) > 0 {
		l = e.pool[rng.IntN(len(e.pool))]
	} else {
		l = e.generate(rng)
	}
	return l.state(l.player, l.boxes)
}

// StartDist is uniform over the pool, nil without one.
func (e *Sokoban6) StartDist() []Weighted {
	if len(e.pool) == 0 {
		return nil
	}
	out := make([]Weighted, len(e.pool))
	for i, l := range e.pool {
		out[i] = Weighted{S: l.state(l.player, l.boxes), P: 1 / float64(len(e.pool))}
	}
	return out
}

func (l *sokobanLevel) delta(a int) int {
	return [4]int{-l.dim, l.dim, -1, 1}[a]
}

func (l *sokobanLevel) state(player int, boxes []int) *SokobanState {
	b := clone(boxes)
	slices.Sort(b)
	s := &SokobanState{lvl: l, Player: player, Boxes: b}
	s.key = l.grid(player, b, "", "")
	return s
}

// grid renders the room; each cell is pad+symbol+pad, cells joined by sep
// within a row, rows by "\n".
func (l *sokobanLevel) grid(player int, boxes []int, pad, sep string) string {
	buf := make([]byte, 0, l.dim*l.dim*(3+2*len(pad)+len(sep)))
	for r := 0; r < l.dim; r++ {
		if r > 0 {
			buf = append(buf, '\n')
		}
		for c := 0; c < l.dim; c++ {
			i := r*l.dim + c
			if c > 0 {
				buf = append(buf, sep...)
			}
			box := false
			for _, b := range boxes {
				box = box || b == i
			}
			var sym string
			switch {
			case l.wall[i]:
				sym = "#"
			case box && l.target[i]:
				sym = "√"
			case box:
				sym = "X"
			case i == player && l.target[i]:
				sym = "S"
			case i == player:
				sym = "P"
			case l.target[i]:
				sym = "O"
			default:
				sym = "_"
			}
			buf = append(buf, pad...)
			buf = append(buf, sym...)
			buf = append(buf, pad...)
		}
	}
	return string(buf)
}

func (l *sokobanLevel) onTarget(boxes []int) int {
	n := 0
	for _, b := range boxes {
		if l.target[b] {
			n++
		}
	}
	return n
}

// move applies a push action; it returns the new pieces (boxes unsorted).
func (l *sokobanLevel) move(player int, boxes []int, a int) (int, []int) {
	d := l.delta(a)
	next := player + d
	if l.wall[next] {
		return player, boxes
	}
	if k := slices.Index(boxes, next); k >= 0 {
		beyond := next + d
		if l.wall[beyond] || slices.Contains(boxes, beyond) {
			return player, boxes
		}
		nb := clone(boxes)
		nb[k] = beyond
		return next, nb
	}
	return next, boxes
}

// Step applies action a (deterministic).
func (e *Sokoban6) Step(st State, t int, a int) []Transition {
	s := st.(*SokobanState)
	l := s.lvl
	p, b := l.move(s.Player, s.Boxes, a)
	before, after := l.onTarget(s.Boxes), l.onTarget(b)
	r := -0.1
	switch {
	case after > before:
		r += 1
	case after < before:
		r += -1
	}
	done := after == len(b)
	if done {
		r += 10
	}
	return []Transition{{P: 1, Next: l.state(p, b), Reward: []float64{r}, Done: done}}
}

// Invalid is the no-op with the step penalty.
func (e *Sokoban6) Invalid(st State, t int) []Transition {
	return []Transition{{P: 1, Next: st, Reward: []float64{-0.1}}}
}

// Features are four one-hot planes (wall, target, box, player) over the grid.
func (e *Sokoban6) Features(st State) []float64 {
	s := st.(*SokobanState)
	l := s.lvl
	n := e.cfg.Dim * e.cfg.Dim
	f := make([]float64, 4*n)
	for i := 0; i < n; i++ {
		if l.wall[i] {
			f[i] = 1
		}
		if l.target[i] {
			f[n+i] = 1
		}
	}
	for _, b := range s.Boxes {
		f[2*n+b] = 1
	}
	f[3*n+s.Player] = 1
	return f
}

// Render is verl-agent's text grid.
func (e *Sokoban6) Render(st State) string {
	s := st.(*SokobanState)
	return s.lvl.grid(s.Player, s.Boxes, " ", "\t")
}

// Parse reads the first direction word, inside <action>…</action> when
// present (verl-agent), e.g. "<action>up</action>", "Right || Up" → right.
func (e *Sokoban6) Parse(text string) (int, bool) {
	t := strings.ToLower(text)
	if i := strings.LastIndex(t, "<action>"); i >= 0 {
		rest := t[i+len("<action>"):]
		if j := strings.Index(rest, "</action>"); j >= 0 {
			t = rest[:j]
		}
	}
	words := strings.FieldsFunc(t, func(r rune) bool { return r < 'a' || r > 'z' })
	for _, w := range words {
		if a := slices.Index(e.Actions(), w); a >= 0 {
			return a, true
		}
	}
	return 0, false
}

// --- generator ---

var sokobanMasks = [5][9]bool{
	{false, false, false, true, true, true, false, false, false},
	{false, true, false, false, true, false, false, true, false},
	{false, false, false, true, true, false, false, true, false},
	{false, false, false, true, true, false, true, true, false},
	{false, false, false, false, true, true, false, true, false},
}

func (e *Sokoban6) generate(rng *rand.Rand) *sokobanLevel {
	for {
		if l := e.tryGenerate(rng); l != nil {
			return l
		}
	}
}

func (e *Sokoban6) tryGenerate(rng *rand.Rand) *sokobanLevel {
	dim, nb := e.cfg.Dim, e.cfg.Boxes
	// 1. topology
	floor := make([]bool, dim*dim)
	dirs := [4][2]int{{1, 0}, {0, 1}, {-1, 0}, {0, -1}}
	dir := dirs[rng.IntN(4)]
	pr, pc := 1+rng.IntN(dim-1), 1+rng.IntN(dim-1)
	for range e.cfg.GenSteps {
		if rng.Float64() < 0.35 {
			dir = dirs[rng.IntN(4)]
		}
		pr = min(max(pr+dir[0], 1), dim-2)
		pc = min(max(pc+dir[1], 1), dim-2)
		m := sokobanMasks[rng.IntN(5)]
		for dr := 0; dr < 3; dr++ {
			for dc := 0; dc < 3; dc++ {
				if m[dr*3+dc] {
					floor[(pr-1+dr)*dim+pc-1+dc] = true
				}
			}
		}
	}
	l := &sokobanLevel{dim: dim, wall: make([]bool, dim*dim), target: make([]bool, dim*dim)}
	var cells []int
	for i := range floor {
		r, c := i/dim, i%dim
		if r == 0 || c == 0 || r == dim-1 || c == dim-1 || !floor[i] {
			l.wall[i] = true
		} else {
			cells = append(cells, i)
		}
	}
	// 2. placement
	if len(cells) <= nb+1 {
		return nil
	}
	k := rng.IntN(len(cells))
	player := cells[k]
	cells = slices.Delete(cells, k, k+1)
	for range nb {
		k := rng.IntN(len(cells))
		l.target[cells[k]] = true
		l.targets = append(l.targets, cells[k])
		cells = slices.Delete(cells, k, k+1)
	}
	// 3. reverse play
	p, boxes, score := l.reversePlay(player, e.cfg.SearchDepth)
	if score <= 0 {
		return nil
	}
	l.player = p
	l.boxes = clone(boxes)
	slices.Sort(l.boxes)
	if lim := e.cfg.MaxSolution; lim >= 0 {
		if lim == 0 {
			lim = e.cfg.MaxSteps
		}
		if n := l.shortestSolution(l.player, l.boxes, lim); n < 0 {
			return nil
		}
	}
	return l
}

// reversePlay is gym-sokoban's depth_first_search over pulls and moves.
// boxes[i] is the box that started on targets[i] (the box mapping).
func (l *sokobanLevel) reversePlay(player int, depth int) (int, []int, int) {
	explored := map[uint64]bool{}
	best := -1
	var bestP int
	var bestB []int
	stateKey := sokobanCode
	var dfs func(p int, boxes []int, pulls, ttl int)
	dfs = func(p int, boxes []int, pulls, ttl int) {
		ttl--
		if ttl <= 0 || len(explored) >= 300000 {
			return
		}
		k := stateKey(p, boxes)
		if explored[k] {
			return
		}
		disp := 0
		empty := true // every target free of boxes and of the player
		for i, b := range boxes {
			disp += abs(b/l.dim-l.targets[i]/l.dim) + abs(b%l.dim-l.targets[i]%l.dim)
			if l.target[b] {
				empty = false
			}
		}
		if l.target[p] {
			empty = false
		}
		score := pulls * disp
		if !empty {
			score = 0
		}
		if score > best {
			best, bestP, bestB = score, p, clone(boxes)
		}
		explored[k] = true
		for action := 0; action < 8; action++ {
			d := l.delta(action % 4)
			next := p + d
			if l.wall[next] || slices.Contains(boxes, next) {
				continue // no change: the reference recurses into an explored state
			}
			nb, np := boxes, pulls
			if action < 4 {
				if j := slices.Index(boxes, p-d); j >= 0 {
					nb = clone(boxes)
					nb[j] = p
					np++
				}
			}
			dfs(next, nb, np, ttl)
		}
	}
	dfs(player, clone(l.targets), 0, depth)
	return bestP, bestB, best
}

// shortestSolution is a breadth-first search for the fewest steps that put
// every box on a target; −1 when none within limit.
func (l *sokobanLevel) shortestSolution(player int, boxes []int, limit int) int {
	type node struct {
		p int
		b []int
	}
	seen := map[uint64]bool{}
	frontier := []node{{player, boxes}}
	for depth := 0; depth <= limit; depth++ {
		var next []node
		for _, n := range frontier {
			if l.onTarget(n.b) == len(n.b) {
				return depth
			}
			for a := 0; a < 4; a++ {
				p, b := l.move(n.p, n.b, a)
				k := sokobanCode(p, b)
				if !seen[k] {
					seen[k] = true
					next = append(next, node{p, b})
				}
			}
		}
		frontier = next
	}
	return -1
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// sokobanCode packs a player cell and a set of ≤ 7 box cells (order-free) into a map key.
func sokobanCode(p int, boxes []int) uint64 {
	var b [8]int
	n := copy(b[:], boxes)
	slices.Sort(b[:n])
	k := uint64(p)
	for _, x := range b[:n] {
		k = k<<8 | uint64(x+1)
	}
	return k
}
