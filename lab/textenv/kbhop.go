package textenv

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/credo-rl/credo/lab/env"
)

// KBHop as text (Search-R1 protocol over env.KBHop): the policy writes
// "<search>Entity</search>"; the environment then inserts its observation
// "\n<information>Doc 1: …</information>\n" (tokens the policy does not
// choose: Observe); the episode ends with "<answer>Entity</answer>" and
// end-of-sequence. The retrieved passages and the exact-match reward are
// the environment's (env.KBHop Render, ParseIn, Step).

var (
	kbSearchEnd = regexp.MustCompile(`<search>([^<]*)</search>$`)
	kbAnswer    = regexp.MustCompile(`<answer>([^<]*)</answer>`)
	kbSearches  = regexp.MustCompile(`<search>([^<]*)</search>`)
)

// kbReplay follows the searches written in completion from s0 and
// returns the final state (invalid searches leave the state unchanged).
func kbReplay(e *env.KBHop, s0 env.State, completion string) env.State {
	s := s0
	for _, m := range kbSearches.FindAllStringSubmatch(completion, -1) {
		a, ok := e.ParseIn(s, m[0])
		if !ok || a >= e.Config().MaxKnown || len(s.(*env.KBHopState).Searched) >= e.Config().MaxSearches {
			continue
		}
		s = e.Step(s, 0, a)[0].Next
	}
	return s
}

// kbInformation is the <information> block of the last search in s, as the
// environment renders it.
func kbInformation(e *env.KBHop, s env.State) string {
	r := e.Render(s)
	i := strings.LastIndex(r, "<information>")
	j := strings.LastIndex(r, "</information>")
	if i < 0 || j < i {
		return "<information></information>"
	}
	return r[i : j+len("</information>")]
}

func kbPool(n int, c Config, seed uint64) ([]*Task, error) {
	cfg := env.DefaultKBHopConfig()
	cfg.MaxSearches, cfg.TopK, cfg.Distractors = c.KBSearches, 1, 0
	e, err := env.NewKBHop(cfg, seed)
	if err != nil {
		return nil, err
	}
	// a mix of hop counts: questions taken round-robin over 2-hop, 1-hop, ...
	byHops := map[int][]int{}
	for i := 0; i < e.NumQuestions(); i++ {
		if h := e.Hops(e.QuestionState(i)); h <= c.KBSearches {
			byHops[h] = append(byHops[h], i)
		}
	}
	var order []int
	for len(order) < e.NumQuestions() {
		added := false
		for h := c.KBSearches; h >= 0; h-- {
			if len(byHops[h]) > 0 {
				order = append(order, byHops[h][0])
				byHops[h] = byHops[h][1:]
				added = true
			}
		}
		if !added {
			break
		}
	}
	var out []*Task
	for _, i := range order {
		if len(out) == n {
			break
		}
		s0 := e.QuestionState(i)
		prompt := strings.SplitN(e.Render(s0), "\n", 2)[0] + "\n"
		// the gold demonstration: search the chain, answer the gold entity
		var demo strings.Builder
		var s env.State = s0
		for _, x := range e.GoldChain(s0) {
			q := "<search>" + e.EntityName(x) + "</search>"
			a, ok := e.ParseIn(s, q)
			if !ok {
				return nil, fmt.Errorf("textenv: kbhop question %d: gold search %q not parsable", i, q)
			}
			s = e.Step(s, 0, a)[0].Next
			demo.WriteString(q + "\n" + kbInformation(e, s) + "\n")
		}
		demo.WriteString("<answer>" + e.EntityName(s0.Gold()) + "</answer>")
		t := &Task{Env: "kbhop", ID: s0.Key(), Prompt: prompt, Demos: []string{demo.String()}}
		t.MaxNew = len(demo.String()) + 24
		start := env.State(s0)
		t.observe = func(comp string) string {
			if !kbSearchEnd.MatchString(comp) {
				return ""
			}
			before := kbReplay(e, start, comp[:strings.LastIndex(comp, "<search>")])
			after := kbReplay(e, start, comp)
			if len(after.(*env.KBHopState).Searched) == len(before.(*env.KBHopState).Searched) {
				return "\n<information></information>\n" // unknown entity or no budget left
			}
			return "\n" + kbInformation(e, after) + "\n"
		}
		t.score = func(comp string, ended bool) Outcome {
			o := Outcome{Lines: splitLines(comp)}
			m := kbAnswer.FindStringSubmatchIndex(comp)
			if m == nil {
				return o
			}
			s := kbReplay(e, start, comp[:m[0]])
			a, ok := e.ParseIn(s, comp[m[0]:m[1]])
			if !ok || a < e.Config().MaxKnown || a >= 2*e.Config().MaxKnown {
				return o
			}
			o.Reward = e.Step(s, 0, a)[0].Reward[0]
			return o
		}
		out = append(out, t)
	}
	if len(out) < n {
		return nil, fmt.Errorf("textenv: kbhop: only %d questions answerable within %d searches (wanted %d)", len(out), c.KBSearches, n)
	}
	return out, nil
}

// splitLines cuts a completion into lines (kind "other").
func splitLines(c string) []Line {
	var out []Line
	pos := 0
	for _, l := range strings.SplitAfter(c, "\n") {
		if l == "" {
			continue
		}
		out = append(out, Line{Start: pos, End: pos + len(l), Kind: "other"})
		pos += len(l)
	}
	return out
}
