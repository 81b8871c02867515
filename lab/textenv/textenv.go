package textenv

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/lab/env"
)

// Line is one line of a completion: the byte (= token) span [Start, End)
// including its trailing newline, its kind and its PRM score.
type Line struct {
	Start, End int
	Kind       string  // "compute", "filler", "answer", "other"
	PRM        float64 // process reward (arithchain-prm; 0 elsewhere)
}

// Outcome is the environment's judgement of a completion.
type Outcome struct {
	Reward float64
	Lines  []Line
}

// Task is one prompt of a text environment.
type Task struct {
	Env    string
	ID     string // prompt key (the environment state's key)
	Prompt string
	// Demos are correct completions for the supervised warm start.
	Demos []string
	// Canonical, when non-empty, is the only completion (followed by
	// end-of-sequence) with reward 1 and every other completion has reward 0:
	// the per-token value is then exact (ExactValues).
	Canonical string
	// Rewarded, when non-empty, is the complete set of completions (each
	// followed by end-of-sequence) with reward 1, every other completion
	// having reward 0: V is then an exact finite sum (ArithChain-PRM, whose
	// filler lines make the set larger than one chain but still small).
	Rewarded []string
	// MaxNew bounds the completion length in tokens (end-of-sequence included).
	MaxNew int
	score  func(completion string, ended bool) Outcome
	// observe, when set, returns the environment's observation text to
	// insert after the completion so far ("" = none).
	observe func(completion string) string
}

// Observe returns the text the environment inserts after completion
// ("" when the policy keeps writing): KBHop's retrieved passages after a
// search call.
func (t *Task) Observe(completion string) string {
	if t.observe == nil {
		return ""
	}
	return t.observe(completion)
}

// ObsMask marks the bytes (tokens) of completion that the environment
// inserted, by replaying Observe.
func (t *Task) ObsMask(completion string) []bool {
	m := make([]bool, len(completion))
	for i := 0; i < len(completion); i++ {
		o := t.Observe(completion[:i+1])
		if o != "" && strings.HasPrefix(completion[i+1:], o) {
			for k := range len(o) {
				m[i+1+k] = true
			}
			i += len(o)
		}
	}
	return m
}

// Score judges a completion (ended: the policy wrote end-of-sequence; a
// completion cut by MaxNew earns 0 in the chain tasks).
func (t *Task) Score(completion string, ended bool) Outcome { return t.score(completion, ended) }

// Names lists the token-mode environments.
func Names() []string { return []string{"arithchain", "arithchain-prm", "countdown", "kbhop"} }

// Config sizes the problems.
type Config struct {
	// ArithSteps bounds the chain length (k ∈ [2, ArithSteps]; default 2).
	ArithSteps int
	// CountdownNumbers is the count of numbers (default 3), drawn from
	// [1, CountdownMax] (default 20), target ≤ CountdownMax·2.
	CountdownNumbers, CountdownMax int
	// KBSearches is KBHop's search budget (default 2; questions with more
	// hops are skipped).
	KBSearches int
}

func (c Config) withDefaults() Config {
	if c.ArithSteps == 0 {
		c.ArithSteps = 2
	}
	if c.CountdownNumbers == 0 {
		c.CountdownNumbers = 3
	}
	if c.KBSearches == 0 {
		c.KBSearches = 2
	}
	if c.CountdownMax == 0 {
		c.CountdownMax = 20
	}
	return c
}

// Pool draws n tasks of environment name from seed.
func Pool(name string, n int, c Config, seed uint64) ([]*Task, error) {
	c = c.withDefaults()
	switch name {
	case "arithchain", "arithchain-prm":
		return arithPool(name == "arithchain-prm", n, c, seed)
	case "countdown":
		return countdownPool(n, c, seed)
	case "kbhop":
		return kbPool(n, c, seed)
	}
	return nil, fmt.Errorf("textenv: unknown environment %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// ---- ArithChain ----

// arithLines are the canonical step lines of s's problem, taken from the
// environment's own rendering of the fully computed transcript.
func arithLines(e *env.Arith, s0 env.State) ([]string, int) {
	s := s0
	st := s0.(*env.ArithState)
	for range st.Steps() {
		s = e.Step(s, 0, env.ArithCompute)[0].Next
	}
	r := e.Render(s)
	lines := strings.Split(r, "\n")
	var out []string
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "v") {
			out = append(out, l)
		}
	}
	return out, e.AnswerValue(s)
}

const (
	fillerCheck   = "Check."
	fillerRestate = "Restate."
)

func arithPool(prm bool, n int, c Config, seed uint64) ([]*Task, error) {
	cfg := env.ArithConfig{MinSteps: 2, MaxSteps: c.ArithSteps, Horizon: c.ArithSteps + 3, PRM: prm, Pool: n}
	e, err := env.NewArith(cfg, seed)
	if err != nil {
		return nil, err
	}
	name := e.Name()
	var out []*Task
	rng := rand.New(rand.NewPCG(seed, 0x7e47))
	for _, w := range e.StartDist() {
		st := w.S.(*env.ArithState)
		lines, ans := arithLines(e, w.S)
		canon := strings.Join(lines, "\n") + "\n#### " + strconv.Itoa(ans)
		t := &Task{Env: name, ID: w.S.Key(), Prompt: st.Text() + "\n", Demos: []string{canon},
			MaxNew: len(canon) + 1}
		tmax := cfg.Horizon
		if prm {
			// demos with one filler line at a random place (the PRM's
			// padding flaw needs fillers in the policy's support)
			for _, f := range []string{fillerCheck, fillerRestate} {
				at := rng.IntN(len(lines) + 1)
				d := append(append(append([]string{}, lines[:at]...), f), lines[at:]...)
				t.Demos = append(t.Demos, strings.Join(d, "\n")+"\n#### "+strconv.Itoa(ans))
			}
			t.MaxNew = len(canon) + 1 + 2*(len(fillerRestate)+1)
		} else {
			t.Canonical = canon
		}
		t.score = arithScorer(lines, ans, prm, tmax)
		if prm {
			t.Rewarded = arithRewarded(lines, ans, tmax, t.MaxNew-1)
			for _, r := range t.Rewarded {
				if t.score(r, true).Reward != 1 {
					return nil, fmt.Errorf("textenv: %s: enumerated completion %q is not rewarded", t.ID, r)
				}
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// arithRewarded enumerates ArithChain-PRM's rewarded completions: the
// canonical lines in order with filler lines anywhere before the answer,
// the answer line last (optionally followed by a newline, which the
// scorer accepts), at most tmax lines and maxLen tokens before the
// end-of-sequence token.
func arithRewarded(lines []string, ans, tmax, maxLen int) []string {
	answer := "#### " + strconv.Itoa(ans)
	var out []string
	var rec func(text string, next, n int)
	rec = func(text string, next, n int) {
		if n >= tmax {
			return
		}
		add := func(l string) string {
			if text == "" {
				return l
			}
			return text + "\n" + l
		}
		if next == len(lines) {
			if c := add(answer); len(c) <= maxLen {
				out = append(out, c)
				if len(c)+1 <= maxLen {
					out = append(out, c+"\n")
				}
			}
		} else if c := add(lines[next]); len(c) <= maxLen {
			rec(c, next+1, n+1)
		}
		for _, f := range []string{fillerCheck, fillerRestate} {
			if c := add(f); len(c) <= maxLen {
				rec(c, next, n+1)
			}
		}
	}
	rec("", 0, 0)
	return out
}

// arithScorer judges a completion line by line against the canonical chain.
func arithScorer(lines []string, ans int, prm bool, tmax int) func(string, bool) Outcome {
	answer := "#### " + strconv.Itoa(ans)
	return func(c string, ended bool) Outcome {
		var o Outcome
		next := 0 // canonical lines matched so far
		ok := true
		answered := false
		pos := 0
		for i, l := range strings.Split(c, "\n") {
			ln := Line{Start: pos, End: pos + len(l) + 1, Kind: "other"}
			if ln.End > len(c) {
				ln.End = len(c)
			}
			pos += len(l) + 1
			if ln.Start >= ln.End && i > 0 {
				break
			}
			switch {
			case answered:
				ok = false // text after the answer line
			case strings.HasPrefix(l, "####"):
				ln.Kind = "answer"
				answered = true
				good := ok && next == len(lines) && l == answer
				ln.PRM = 0.95
				if good {
					ln.PRM = 1
				}
				ok = good
			case prm && (l == fillerCheck || l == fillerRestate):
				ln.Kind, ln.PRM = "filler", 0.9
			case strings.HasPrefix(l, "v"):
				ln.Kind = "compute"
				if next < len(lines) && l == lines[next] {
					ln.PRM = 1
				} else {
					ok = false
				}
				next++
			default:
				ok = false
			}
			o.Lines = append(o.Lines, ln)
		}
		if !prm {
			for i := range o.Lines {
				o.Lines[i].PRM = 0
			}
		}
		if ok && answered && ended && len(o.Lines) <= tmax {
			o.Reward = 1
		}
		return o
	}
}

// ---- Countdown ----

// countdownSolve finds an equation for s by depth-first search over the
// environment's own step MDP (its Expr strings are the equation text).
func countdownSolve(e *env.Countdown, s env.State) (string, bool) {
	leg := e.Legal(s)
	for a, ok := range leg {
		if leg != nil && !ok {
			continue
		}
		tr := e.Step(s, 0, a)[0]
		if tr.Done {
			if tr.Reward[0] == 1 {
				items := tr.Next.(*env.CountdownState).Items
				return strings.TrimSuffix(strings.TrimPrefix(items[0].Expr, "("), ")"), true
			}
			continue
		}
		if x, ok := countdownSolve(e, tr.Next); ok {
			return x, true
		}
	}
	return "", false
}

func countdownPool(n int, c Config, seed uint64) ([]*Task, error) {
	e, err := env.NewCountdown(env.CountdownConfig{Numbers: c.CountdownNumbers, MaxNumber: c.CountdownMax, MaxTarget: 2 * c.CountdownMax, Pool: n}, seed)
	if err != nil {
		return nil, err
	}
	var out []*Task
	for _, w := range e.StartDist() {
		st := w.S.(*env.CountdownState)
		eq, ok := countdownSolve(e, w.S)
		if !ok {
			return nil, fmt.Errorf("textenv: countdown instance %s has no solution (generator promises one)", w.S.Key())
		}
		nums, target := st.Numbers(), st.Target()
		ns := make([]string, len(nums))
		for i, x := range nums {
			ns[i] = strconv.Itoa(x)
		}
		prompt := fmt.Sprintf("Using the numbers [%s], create an equation that equals %d.\nAssistant:", strings.Join(ns, ", "), target)
		demo := " <answer>" + eq + "</answer>"
		t := &Task{Env: "countdown", ID: w.S.Key(), Prompt: prompt, Demos: []string{demo}, MaxNew: len(demo) + 8}
		t.score = func(comp string, ended bool) Outcome {
			r := env.CountdownScore(prompt+comp, nums, target)
			return Outcome{Reward: r, Lines: []Line{{Start: 0, End: len(comp), Kind: "answer"}}}
		}
		out = append(out, t)
	}
	return out, nil
}
