package lmserve

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// guide constrains sampling to a regular language: the whole completion
// must match the expression (vLLM's guided_regex / guided_choice request
// fields). It simulates the expression's compiled NFA (regexp/syntax) over
// the text generated so far; a token is allowed when the NFA still has a
// live state after it, the end-of-sequence token when a state accepts.
type guide struct {
	prog *syntax.Prog
}

// gstate is a set of NFA program counters (sorted, no duplicates).
type gstate []uint32

func newGuide(re string) (*guide, error) {
	r, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return nil, err
	}
	p, err := syntax.Compile(r.Simplify())
	if err != nil {
		return nil, err
	}
	for _, in := range p.Inst {
		if in.Op == syntax.InstEmptyWidth {
			return nil, fmt.Errorf("anchors and \\b are not supported (the whole completion must match the expression)")
		}
	}
	return &guide{prog: p}, nil
}

// choiceRegex is the expression matching exactly one of the choices.
func choiceRegex(choices []string) string {
	q := make([]string, len(choices))
	for i, c := range choices {
		q[i] = regexp.QuoteMeta(c)
	}
	return "(?:" + strings.Join(q, "|") + ")"
}

func (g *guide) closure(pcs []uint32) gstate {
	seen := make(map[uint32]bool, len(pcs)*2)
	var out gstate
	stack := append([]uint32(nil), pcs...)
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[pc] {
			continue
		}
		seen[pc] = true
		in := &g.prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			stack = append(stack, in.Arg, in.Out)
		case syntax.InstCapture, syntax.InstNop:
			stack = append(stack, in.Out)
		case syntax.InstFail:
		default: // runes and match
			out = append(out, pc)
		}
	}
	sortU32(out)
	return out
}

func sortU32(v []uint32) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

func (g *guide) start() gstate { return g.closure([]uint32{uint32(g.prog.Start)}) }

// step is the state after rune r (empty: r is not allowed).
func (g *guide) step(s gstate, r rune) gstate {
	var next []uint32
	for _, pc := range s {
		in := &g.prog.Inst[pc]
		ok := false
		switch in.Op {
		case syntax.InstRune, syntax.InstRune1:
			ok = in.MatchRune(r)
		case syntax.InstRuneAny:
			ok = true
		case syntax.InstRuneAnyNotNL:
			ok = r != '\n'
		}
		if ok {
			next = append(next, in.Out)
		}
	}
	if len(next) == 0 {
		return nil
	}
	return g.closure(next)
}

// accepts says whether the text so far matches the whole expression.
func (g *guide) accepts(s gstate) bool {
	for _, pc := range s {
		if g.prog.Inst[pc].Op == syntax.InstMatch {
			return true
		}
	}
	return false
}
