package judge

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/rollout"
)

func init() {
	add(&Recipe{Name: "groundedprm", Method: "groundedprm.labels", PerStep: true,
		Writes: "steps[k].labels.tool (1 when every equation \"expr = number\" of the step holds, 0 when one fails; " +
			"no label when the step has no equation); the MC values come from `credo probe expand --method groundedprm.labels`",
		Provenance: "GroundedPRM: steps verified by an external tool, fused with MC values by the method (paper: a math tool); " +
			"the built-in tool is credo's arithmetic checker (+, −, *, ×, /, parentheses; relative tolerance 1e-6)",
		tool: func(step string) (float64, bool, error) { return CheckArithmetic(step) },
	})
}

// CheckArithmetic checks every equation "expr = number" in text, where
// expr is the longest run of arithmetic before "=" (numbers, + − * × /,
// parentheses, spaces). It returns ok = false when there is no equation,
// else 1 when all hold and 0 when one fails. An expression that does not
// parse (e.g. "x + 1") is not an equation and is skipped.
func CheckArithmetic(text string) (verdict float64, ok bool, err error) {
	verdict = 1
	for i := 0; i < len(text); i++ {
		if text[i] != '=' {
			continue
		}
		j := i
		for j > 0 && strings.ContainsRune("0123456789.+-*/×() \t", rune(text[j-1])) {
			j--
		}
		// × is two bytes; the loop above only moves over single bytes
		lhs := strings.TrimSpace(strings.ReplaceAll(text[j:i], "×", "*"))
		k := i + 1
		for k < len(text) && text[k] == ' ' {
			k++
		}
		e := k
		if e < len(text) && text[e] == '-' {
			e++
		}
		for e < len(text) && (text[e] >= '0' && text[e] <= '9' || text[e] == '.') {
			e++
		}
		rhs := strings.TrimSuffix(text[k:e], ".")
		want, perr := strconv.ParseFloat(rhs, 64)
		if lhs == "" || perr != nil || !strings.ContainsAny(lhs, "+-*/") {
			continue
		}
		p := &arithParser{s: lhs}
		got, perr := p.expr()
		if perr != nil || p.i != len(p.s) {
			continue
		}
		ok = true
		if math.IsNaN(got) || math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			verdict = 0
		}
	}
	if !ok {
		verdict = 0
	}
	return verdict, ok, nil
}

type arithParser struct {
	s string
	i int
}

func (p *arithParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *arithParser) expr() (float64, error) {
	x, err := p.term()
	for err == nil {
		p.skip()
		if p.i >= len(p.s) || (p.s[p.i] != '+' && p.s[p.i] != '-') {
			return x, nil
		}
		op := p.s[p.i]
		p.i++
		var y float64
		if y, err = p.term(); err == nil {
			if op == '+' {
				x += y
			} else {
				x -= y
			}
		}
	}
	return 0, err
}

func (p *arithParser) term() (float64, error) {
	x, err := p.factor()
	for err == nil {
		p.skip()
		if p.i >= len(p.s) || (p.s[p.i] != '*' && p.s[p.i] != '/') {
			return x, nil
		}
		op := p.s[p.i]
		p.i++
		var y float64
		if y, err = p.factor(); err == nil {
			if op == '*' {
				x *= y
			} else if y == 0 {
				return math.NaN(), nil
			} else {
				x /= y
			}
		}
	}
	return 0, err
}

func (p *arithParser) factor() (float64, error) {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == '(' {
		p.i++
		x, err := p.expr()
		p.skip()
		if err != nil || p.i >= len(p.s) || p.s[p.i] != ')' {
			return 0, fmt.Errorf("unbalanced parentheses")
		}
		p.i++
		return x, nil
	}
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
		x, err := p.factor()
		return -x, err
	}
	j := p.i
	for p.i < len(p.s) && (p.s[p.i] >= '0' && p.s[p.i] <= '9' || p.s[p.i] == '.') {
		p.i++
	}
	if j == p.i {
		return 0, fmt.Errorf("number expected at %d", j)
	}
	return strconv.ParseFloat(p.s[j:p.i], 64)
}

func writeTool(t *rollout.Trajectory, step int, v float64) error {
	return setStep(t, step, func(s *rollout.Step) { s.Labels["tool"] = v })
}
