package env

import (
	"errors"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// CountdownScore is TinyZero's Countdown reward for a completion (token
// mode; Jiayi-Pan/TinyZero verl/utils/reward_score/countdown.py::compute_score,
// format_score 0.1, score 1.0):
//   - keep the text after the first "Assistant:" (else after the first
//     "<|im_start|>assistant"; if neither occurs: 0), then only its last line;
//   - the equation is the last <answer>…</answer> on that line, stripped
//     (none: 0);
//   - the integers in it (runs of digits) must be exactly the given numbers
//     as a multiset (else 0.1);
//   - it must consist of digits, + - * / ( ) . and whitespace, and evaluate
//     as a Python expression (else 0.1);
//   - 1.0 if |value − target| < 1e-5, else 0.1.
//
// Evaluation follows Python 3 semantics for that character set: exact
// integers, / true division, // floor division, ** power (right-associative,
// binding tighter than a unary minus on its left), unary ±, float literals
// ("1.", ".5"), leading-zero integer literals rejected, division by zero
// an error, whitespace other than space, tab and form feed a syntax error. Limitations: digits are ASCII only (Python's \d also matches
// other Unicode digits), and integer powers with exponents above 100000 are
// treated as evaluation errors (Python would compute them).
func CountdownScore(completion string, numbers []int, target int) float64 {
	eq, ok := countdownExtract(completion)
	if !ok {
		return 0
	}
	var used []int
	for _, d := range cdDigits.FindAllString(eq, -1) {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0.1
		}
		used = append(used, n)
	}
	want := clone(numbers)
	slices.Sort(used)
	slices.Sort(want)
	if !slices.Equal(used, want) {
		return 0.1
	}
	v, err := pyEval(eq)
	if err != nil {
		return 0.1
	}
	if v.isInt {
		d := new(big.Int).Sub(v.i, big.NewInt(int64(target)))
		if d.Sign() == 0 {
			return 1
		}
		return 0.1
	}
	if math.Abs(v.f-float64(target)) < 1e-5 {
		return 1
	}
	return 0.1
}

var (
	cdDigits = regexp.MustCompile(`[0-9]+`)
	cdAnswer = regexp.MustCompile(`<answer>(.*?)</answer>`)
)

func countdownExtract(s string) (string, bool) {
	if _, after, ok := strings.Cut(s, "Assistant:"); ok {
		s = after
	} else if _, after, ok := strings.Cut(s, "<|im_start|>assistant"); ok {
		s = after
	} else {
		return "", false
	}
	s = s[strings.LastIndex(s, "\n")+1:]
	m := cdAnswer.FindAllStringSubmatch(s, -1)
	if m == nil {
		return "", false
	}
	return strings.TrimSpace(m[len(m)-1][1]), true
}

// --- a Python-arithmetic evaluator for [0-9+\-*/().\s] ---

type pyNum struct {
	isInt bool
	i     *big.Int
	f     float64
}

var errPy = errors.New("python evaluation error")

func (n pyNum) float() (float64, error) {
	if !n.isInt {
		return n.f, nil
	}
	f, _ := new(big.Float).SetInt(n.i).Float64()
	if math.IsInf(f, 0) {
		return 0, errPy // OverflowError: int too large to convert to float
	}
	return f, nil
}

type pyParser struct {
	toks []string
	pos  int
}

func pyEval(s string) (pyNum, error) {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || strings.ContainsRune("+-*/().", r) || unicode.IsSpace(r)) {
			return pyNum{}, errPy
		}
	}
	toks, err := pyTokens(s)
	if err != nil || len(toks) == 0 {
		return pyNum{}, errPy
	}
	p := &pyParser{toks: toks}
	v, err := p.expr()
	if err != nil || p.pos != len(toks) {
		return pyNum{}, errPy
	}
	return v, nil
}

func pyTokens(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\f': // Python's tokenizer whitespace
			i++
		case unicode.IsSpace(rune(c)) || c >= 0x80: // passes \s, rejected by the tokenizer
			return nil, errPy
		case c == '*' || c == '/':
			if i+1 < len(s) && s[i+1] == c {
				out = append(out, s[i:i+2])
				i += 2
			} else {
				out = append(out, s[i:i+1])
				i++
			}
		case strings.IndexByte("+-()", c) >= 0:
			out = append(out, s[i:i+1])
			i++
		default: // number: digits [. digits] or . digits
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j < len(s) && s[j] == '.' {
				j++
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
			}
			lit := s[i:j]
			if lit == "." || strings.Count(lit, ".") > 1 {
				return nil, errPy
			}
			if j < len(s) && (s[j] == '.' || s[j] >= '0' && s[j] <= '9') {
				return nil, errPy
			}
			out = append(out, lit)
			i = j
		}
	}
	// Two numbers in a row are a syntax error.
	for k := 1; k < len(out); k++ {
		if isNumTok(out[k-1]) && isNumTok(out[k]) {
			return nil, errPy
		}
	}
	return out, nil
}

func isNumTok(t string) bool { return t != "" && (t[0] == '.' || t[0] >= '0' && t[0] <= '9') }

func (p *pyParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

// expr := term (('+'|'-') term)*
func (p *pyParser) expr() (pyNum, error) {
	v, err := p.term()
	for err == nil && (p.peek() == "+" || p.peek() == "-") {
		op := p.toks[p.pos]
		p.pos++
		var w pyNum
		if w, err = p.term(); err == nil {
			v, err = pyBin(op, v, w)
		}
	}
	return v, err
}

// term := unary (('*'|'/'|'//') unary)*
func (p *pyParser) term() (pyNum, error) {
	v, err := p.unary()
	for err == nil && (p.peek() == "*" || p.peek() == "/" || p.peek() == "//") {
		op := p.toks[p.pos]
		p.pos++
		var w pyNum
		if w, err = p.unary(); err == nil {
			v, err = pyBin(op, v, w)
		}
	}
	return v, err
}

// unary := ('+'|'-') unary | power
func (p *pyParser) unary() (pyNum, error) {
	switch p.peek() {
	case "+", "-":
		op := p.toks[p.pos]
		p.pos++
		v, err := p.unary()
		if err != nil || op == "+" {
			return v, err
		}
		if v.isInt {
			return pyNum{isInt: true, i: new(big.Int).Neg(v.i)}, nil
		}
		return pyNum{f: -v.f}, nil
	}
	return p.power()
}

// power := atom ['**' unary]
func (p *pyParser) power() (pyNum, error) {
	v, err := p.atom()
	if err != nil || p.peek() != "**" {
		return v, err
	}
	p.pos++
	w, err := p.unary()
	if err != nil {
		return v, err
	}
	return pyBin("**", v, w)
}

func (p *pyParser) atom() (pyNum, error) {
	t := p.peek()
	switch {
	case t == "(":
		p.pos++
		v, err := p.expr()
		if err != nil || p.peek() != ")" {
			return v, errPy // "()" is a tuple: not a number either
		}
		p.pos++
		return v, nil
	case isNumTok(t):
		p.pos++
		if strings.Contains(t, ".") {
			f, err := strconv.ParseFloat(t, 64)
			if err != nil {
				return pyNum{}, errPy
			}
			return pyNum{f: f}, nil
		}
		if len(t) > 1 && t[0] == '0' && strings.Trim(t, "0") != "" {
			return pyNum{}, errPy // leading zeros in a decimal integer literal
		}
		i, _ := new(big.Int).SetString(t, 10)
		return pyNum{isInt: true, i: i}, nil
	}
	return pyNum{}, errPy
}

func pyBin(op string, x, y pyNum) (pyNum, error) {
	if x.isInt && y.isInt {
		a, b := x.i, y.i
		switch op {
		case "+":
			return pyNum{isInt: true, i: new(big.Int).Add(a, b)}, nil
		case "-":
			return pyNum{isInt: true, i: new(big.Int).Sub(a, b)}, nil
		case "*":
			return pyNum{isInt: true, i: new(big.Int).Mul(a, b)}, nil
		case "/":
			if b.Sign() == 0 {
				return pyNum{}, errPy
			}
			f, _ := new(big.Rat).SetFrac(a, b).Float64()
			if math.IsInf(f, 0) {
				return pyNum{}, errPy
			}
			return pyNum{f: f}, nil
		case "//":
			if b.Sign() == 0 {
				return pyNum{}, errPy
			}
			q, m := new(big.Int).QuoRem(a, b, new(big.Int))
			if m.Sign() != 0 && (m.Sign() < 0) != (b.Sign() < 0) {
				q.Sub(q, big.NewInt(1))
			}
			return pyNum{isInt: true, i: q}, nil
		case "**":
			if b.Sign() >= 0 {
				if b.Cmp(big.NewInt(100000)) > 0 && a.CmpAbs(big.NewInt(1)) > 0 {
					return pyNum{}, errPy
				}
				return pyNum{isInt: true, i: new(big.Int).Exp(a, b, nil)}, nil
			}
			if a.Sign() == 0 {
				return pyNum{}, errPy // ZeroDivisionError
			}
		}
	}
	a, err := x.float()
	if err != nil {
		return pyNum{}, err
	}
	b, err := y.float()
	if err != nil {
		return pyNum{}, err
	}
	switch op {
	case "+":
		return pyNum{f: a + b}, nil
	case "-":
		return pyNum{f: a - b}, nil
	case "*":
		return pyNum{f: a * b}, nil
	case "/":
		if b == 0 {
			return pyNum{}, errPy
		}
		return pyNum{f: a / b}, nil
	case "//":
		if b == 0 {
			return pyNum{}, errPy
		}
		return pyNum{f: math.Floor(a / b)}, nil
	}
	// "**" with a float operand (or a negative integer exponent).
	if a == 0 && b < 0 {
		return pyNum{}, errPy
	}
	r := math.Pow(a, b)
	if math.IsInf(r, 0) && !math.IsInf(a, 0) {
		return pyNum{}, errPy // OverflowError
	}
	return pyNum{f: r}, nil
}
