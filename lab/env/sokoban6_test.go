package env

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// gridState builds a Sokoban state from rows of symbols (# _ O √ X P S).
func gridState(rows ...string) *SokobanState {
	dim := len(rows)
	l := &sokobanLevel{dim: dim, wall: make([]bool, dim*dim), target: make([]bool, dim*dim)}
	var player int
	var boxes []int
	for r, row := range rows {
		for c, ch := range []rune(row) {
			i := r*dim + c
			switch ch {
			case '#':
				l.wall[i] = true
			case 'O', 'S', '√':
				l.target[i] = true
				l.targets = append(l.targets, i)
			}
			switch ch {
			case 'P', 'S':
				player = i
			case 'X', '√':
				boxes = append(boxes, i)
			}
		}
	}
	l.player, l.boxes = player, boxes
	return l.state(player, boxes)
}

const (
	up = iota
	down
	left
	right
)

func TestSokobanRewardTable(t *testing.T) {
	e, _ := NewSokoban6(DefaultSokoban6Config(), 1)
	s := gridState(
		"######",
		"#PXO_#",
		"#____#",
		"#___X#",
		"#____#",
		"######")
	cases := []struct {
		name   string
		st     *SokobanState
		a      int
		reward float64
		done   bool
		key    string
	}{
		{"box onto the only target: -0.1 + 1 + 10", gridState(
			"######",
			"#PXO_#",
			"#____#",
			"#____#",
			"#____#",
			"######"), right, 10.9, true, "######\n#_P√_#\n#____#\n#____#\n#____#\n######"},
		{"walk into a wall", s, up, -0.1, false, s.Key()},
		{"plain move", s, down, -0.1, false, "######\n#_XO_#\n#P___#\n#___X#\n#____#\n######"},
		{"push a box against the wall", gridState(
			"######",
			"#__O_#",
			"#__PX#",
			"#____#",
			"#____#",
			"######"), right, -0.1, false, "######\n#__O_#\n#__PX#\n#____#\n#____#\n######"},
		{"one of two boxes onto a target: -0.1 + 1", gridState(
			"######",
			"#PXO_#",
			"#____#",
			"#__X_#",
			"#__O_#",
			"######"), right, 0.9, false, "######\n#_P√_#\n#____#\n#__X_#\n#__O_#\n######"},
		{"a box off its target: -0.1 - 1", gridState(
			"######",
			"#_P√_#",
			"#____#",
			"#__X_#",
			"#__O_#",
			"######"), right, -1.1, false, "######\n#__SX#\n#____#\n#__X_#\n#__O_#\n######"},
		{"box blocked by a box", gridState(
			"######",
			"#PXX_#",
			"#____#",
			"#__O_#",
			"#__O_#",
			"######"), right, -0.1, false, "######\n#PXX_#\n#____#\n#__O_#\n#__O_#\n######"},
		{"last box on: -0.1 + 1 + 10", gridState(
			"######",
			"#PXO_#",
			"#____#",
			"#__√_#",
			"#____#",
			"######"), right, 10.9, true, "######\n#_P√_#\n#____#\n#__√_#\n#____#\n######"},
	}
	for _, c := range cases {
		trs := e.Step(c.st, 0, c.a)
		if len(trs) != 1 || trs[0].P != 1 {
			t.Fatalf("%s: %d outcomes", c.name, len(trs))
		}
		tr := trs[0]
		if d := tr.Reward[0] - c.reward; d > 1e-12 || d < -1e-12 || tr.Done != c.done || tr.Next.Key() != c.key {
			t.Errorf("%s: reward %v done %v key\n%s\nwant %v %v\n%s", c.name, tr.Reward[0], tr.Done, tr.Next.Key(), c.reward, c.done, c.key)
		}
	}
	if inv := e.Invalid(s, 3); inv[0].Reward[0] != -0.1 || inv[0].Done || inv[0].Next.Key() != s.Key() {
		t.Errorf("invalid action: %+v", inv[0])
	}
	if e.Horizon() != 15 {
		t.Errorf("Horizon %d, want 15", e.Horizon())
	}
}

func TestSokobanRenderParse(t *testing.T) {
	e, _ := NewSokoban6(DefaultSokoban6Config(), 1)
	s := gridState("####", "#S√#", "#X_#", "####")
	if s.Key() != "####\n#S√#\n#X_#\n####" {
		t.Errorf("key %q", s.Key())
	}
	if got := e.Render(s); got != " # \t # \t # \t # \n # \t S \t √ \t # \n # \t X \t _ \t # \n # \t # \t # \t # " {
		t.Errorf("render %q", got)
	}
	for text, want := range map[string]int{"<action>Up</action>": up, "Right || Up": right, "I go left.": left, "<think>up?</think><action>down</action>": down} {
		if a, ok := e.Parse(text); !ok || a != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", text, a, ok, want)
		}
	}
	if _, ok := e.Parse("jump"); ok {
		t.Error("Parse(jump) ok")
	}
}

// bfsSolve finds the fewest steps to the +10 reward using only Step.
func bfsSolve(e *Sokoban6, s State, limit int) int {
	frontier, seen := []State{s}, map[string]bool{s.Key(): true}
	for d := 1; d <= limit; d++ {
		var next []State
		for _, x := range frontier {
			for a := 0; a < 4; a++ {
				tr := e.Step(x, 0, a)[0]
				if tr.Done {
					return d
				}
				if !seen[tr.Next.Key()] {
					seen[tr.Next.Key()] = true
					next = append(next, tr.Next)
				}
			}
		}
		frontier = next
	}
	return -1
}

func TestSokobanGenerator(t *testing.T) {
	for _, boxes := range []int{1, 2} {
		c := DefaultSokoban6Config()
		c.Boxes = boxes
		e, err := NewSokoban6(c, 1)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(9, uint64(boxes)))
		n := 150 / boxes
		for i := 0; i < n; i++ {
			s := e.Start(rng).(*SokobanState)
			l := s.lvl
			for r := 0; r < 6; r++ {
				for c := 0; c < 6; c++ {
					if (r == 0 || c == 0 || r == 5 || c == 5) && !l.wall[r*6+c] {
						t.Fatalf("level %d: border cell (%d,%d) is not a wall\n%s", i, r, c, s.Key())
					}
				}
			}
			if len(s.Boxes) != boxes || len(l.targets) != boxes {
				t.Fatalf("level %d: %d boxes, %d targets", i, len(s.Boxes), len(l.targets))
			}
			if l.wall[s.Player] || slices.Contains(s.Boxes, s.Player) || l.target[s.Player] {
				t.Fatalf("level %d: player on a wall, box or target\n%s", i, s.Key())
			}
			for _, b := range s.Boxes {
				if l.wall[b] || l.target[b] {
					t.Fatalf("level %d: box on a wall or target\n%s", i, s.Key())
				}
			}
			if d := bfsSolve(e, s, e.Horizon()); d < 1 {
				t.Fatalf("level %d not solvable within %d steps\n%s", i, e.Horizon(), s.Key())
			}
		}
	}
	// Seeded: the same rng stream gives the same levels; a pool is fixed by the seed.
	e, _ := NewSokoban6(DefaultSokoban6Config(), 1)
	a := e.Start(rand.New(rand.NewPCG(5, 5))).Key()
	b := e.Start(rand.New(rand.NewPCG(5, 5))).Key()
	if a != b {
		t.Error("generator not deterministic")
	}
	c := DefaultSokoban6Config()
	c.Pool = 3
	p1, _ := NewSokoban6(c, 11)
	p2, _ := NewSokoban6(c, 11)
	for i := range p1.StartDist() {
		if p1.StartDist()[i].S.Key() != p2.StartDist()[i].S.Key() {
			t.Error("pool not fixed by the seed")
		}
	}
}

func TestSokobanReversePlayScore(t *testing.T) {
	// A corridor: target at the right end; the reverse play can only pull
	// the box left. Best: box pulled to column 2 (pulls × distance = 2 × 2 = 4)
	// with the player at column 1.
	s := gridState(
		"######",
		"#___O#",
		"######",
		"######",
		"######",
		"######")
	l := s.lvl
	p, boxes, score := l.reversePlay(1*6+3, 30)
	if score != 4 || boxes[0] != 1*6+2 || p != 1*6+1 {
		t.Errorf("reverse play: player %d boxes %v score %d; want 7 [8] 4", p, boxes, score)
	}
}
