package jsonl

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/credo-rl/credo/rollout"
)

// The known top-level fields of a record, in the order of rollout.Trajectory
// (the order of the canonical encoding).
const (
	fVersion = iota
	fID
	fGroup
	fParent
	fProbe
	fRewards
	fFeatures
	fGroundTruth
	fSteps
	fTokens
	fMask
	fOldLogProbs
	fRolloutLogProbs
	fRefLogProbs
	fLogProbs
	fTokenRewards
	fValues
	fScores
	fTags
	fAdvantages
	fReturns
	fLossWeights
	nFields
)

var fieldNames = [nFields]string{
	"credo_version", "traj_uid", "uid", "parent", "probe", "rewards", "features", "ground_truth", "steps",
	"responses", "response_mask", "old_log_probs", "rollout_log_probs", "ref_log_prob", "log_probs", "token_level_rewards",
	"values", "token_scores", "token_tags", "advantages", "returns", "loss_weights",
}

var stepFieldNames = []string{"start", "end", "kind", "parent", "role", "anchor_obs", "observation", "rewards", "values", "labels"}

var branchFieldNames = []string{"traj_uid", "token"}

func fieldID(k []byte) int {
	switch string(k) {
	case "credo_version":
		return fVersion
	case "traj_uid":
		return fID
	case "uid":
		return fGroup
	case "parent":
		return fParent
	case "probe":
		return fProbe
	case "rewards":
		return fRewards
	case "features":
		return fFeatures
	case "ground_truth":
		return fGroundTruth
	case "steps":
		return fSteps
	case "responses":
		return fTokens
	case "response_mask":
		return fMask
	case "old_log_probs":
		return fOldLogProbs
	case "rollout_log_probs":
		return fRolloutLogProbs
	case "ref_log_prob":
		return fRefLogProbs
	case "log_probs":
		return fLogProbs
	case "token_level_rewards":
		return fTokenRewards
	case "values":
		return fValues
	case "token_scores":
		return fScores
	case "token_tags":
		return fTags
	case "advantages":
		return fAdvantages
	case "returns":
		return fReturns
	case "loss_weights":
		return fLossWeights
	}
	return -1
}

// member is one top-level "key": value of a record: offsets into the
// record's bytes of the key's opening quote, the value and the end of the
// value; field is the known field or -1.
type member struct {
	key, val, end int32
	field         int8
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// decodeError is an error of the tokenizer. Strict errors are the checks
// that encoding/json does not make (duplicate keys, invalid UTF-8, a BOM,
// keys that differ from a field only in case, null inside a number array);
// for the others (syntax, types) Decode asks encoding/json for its message,
// so that those messages stay what they were.
type decodeError struct {
	err    error
	strict bool
}

// parser is a streaming tokenizer over one record. Its scratch slices are
// reused from record to record.
type parser struct {
	b   []byte
	i   int
	err *decodeError
	fs  []float64
	is  []int64
	ts  []int8
	// n is the length of the record's last number array, the capacity
	// given to the next one (Validate wants the per-token arrays of a
	// record to have one length); 0 at the start of a record.
	n int
	// segs is the path inside the value that skip is in, for messages.
	segs []seg
	// ms collects the members of the record being parsed; parse returns
	// a copy of the right size.
	ms []member
}

// seg is a step of a path inside a value: a key, or (key nil) an index.
type seg struct {
	key []byte
	idx int
}

// path names the place skip is at: field.key[3].other.
func (p *parser) path(field string) string {
	b := []byte(field)
	for _, s := range p.segs {
		if s.key != nil {
			if len(b) > 0 {
				b = append(b, '.')
			}
			b = append(b, s.key...)
		} else {
			b = fmt.Appendf(b, "[%d]", s.idx)
		}
	}
	return string(b)
}

func (p *parser) fail() bool {
	if p.err == nil {
		p.err = &decodeError{err: fmt.Errorf("malformed JSON at byte %d", p.i+1)}
	}
	return false
}

func (p *parser) strictf(field, format string, args ...any) bool {
	if p.err == nil {
		p.err = &decodeError{strict: true, err: &rollout.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}}
	}
	return false
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (p *parser) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *parser) lit(s string) bool {
	if !bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		return p.fail()
	}
	p.i += len(s)
	return true
}

// null consumes a null literal if one comes next.
func (p *parser) null() bool {
	if p.peek() == 'n' && bytes.HasPrefix(p.b[p.i:], []byte("null")) {
		p.i += 4
		return true
	}
	return false
}

func hexVal(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}

func (p *parser) hex4(at int) rune {
	if at+4 > len(p.b) {
		return -1
	}
	var r rune
	for _, c := range p.b[at : at+4] {
		v := hexVal(c)
		if v < 0 {
			return -1
		}
		r = r<<4 | v
	}
	return r
}

// str reads a JSON string at p.i (which holds '"') and returns its decoded
// bytes: a sub-slice of the record when it has no escapes, else a new
// slice. Invalid UTF-8 is an error; so is an unpaired UTF-16 surrogate
// escape when decoding (encoding/json would replace both with U+FFFD).
// field names the string in errors.
func (p *parser) str(field string, decode bool) ([]byte, bool) {
	b := p.b
	start := p.i + 1
	i := start
	ascii := true
	for {
		if i >= len(b) {
			p.i = i
			return nil, p.fail()
		}
		c := b[i]
		if c == '"' || c == '\\' {
			break
		}
		if c < 0x20 {
			p.i = i
			return nil, p.fail()
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
		i++
	}
	if b[i] == '"' {
		if !ascii && !utf8.Valid(b[start:i]) {
			return nil, p.badUTF8(field, start, i)
		}
		p.i = i + 1
		return b[start:i:i], true
	}
	// Escapes: decode into a new slice.
	var out []byte
	if decode {
		out = append(make([]byte, 0, i-start+16), b[start:i]...)
	}
	for {
		if i >= len(b) {
			p.i = i
			return nil, p.fail()
		}
		c := b[i]
		switch {
		case c == '"':
			if !ascii && !utf8.Valid(b[start:i]) {
				return nil, p.badUTF8(field, start, i)
			}
			p.i = i + 1
			return out, true
		case c < 0x20:
			p.i = i
			return nil, p.fail()
		case c == '\\':
			if i+1 >= len(b) {
				p.i = i + 1
				return nil, p.fail()
			}
			e := b[i+1]
			var d byte
			switch e {
			case '"', '\\', '/':
				d = e
			case 'b':
				d = '\b'
			case 'f':
				d = '\f'
			case 'n':
				d = '\n'
			case 'r':
				d = '\r'
			case 't':
				d = '\t'
			case 'u':
				r := p.hex4(i + 2)
				if r < 0 {
					p.i = i + 2
					return nil, p.fail()
				}
				i += 6
				if r >= 0xD800 && r < 0xE000 {
					r2 := rune(-1)
					if r < 0xDC00 && i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
						r2 = p.hex4(i + 2)
					}
					if r2 < 0xDC00 || r2 >= 0xE000 {
						if decode {
							return nil, p.strictf(field, "string has an unpaired UTF-16 surrogate escape \\u%04x: want valid Unicode", r)
						}
						continue
					}
					i += 6
					r = (r-0xD800)<<10 | (r2 - 0xDC00) + 0x10000
				}
				if decode {
					out = utf8.AppendRune(out, r)
				}
				continue
			default:
				p.i = i + 1
				return nil, p.fail()
			}
			if decode {
				out = append(out, d)
			}
			i += 2
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			if decode {
				out = append(out, c)
			}
			i++
		}
	}
}

func (p *parser) badUTF8(field string, start, end int) bool {
	s := p.b[start:end]
	for j := 0; j < len(s); {
		r, n := utf8.DecodeRune(s[j:])
		if r == utf8.RuneError && n == 1 {
			return p.strictf(field, "string is not valid UTF-8 (byte 0x%02x at byte %d of the record): want UTF-8 text", s[j], start+j+1)
		}
		j += n
	}
	return p.strictf(field, "string is not valid UTF-8: want UTF-8 text")
}

// key reads an object key and the colon after it.
func (p *parser) key(field string) ([]byte, bool) {
	if p.peek() != '"' {
		return nil, p.fail()
	}
	k, ok := p.str(field, true)
	if !ok {
		return nil, false
	}
	if p.peek() != ':' {
		return nil, p.fail()
	}
	p.i++
	p.ws()
	return k, true
}

// next consumes the ',' or the closing c after a member or element; it
// reports whether another one follows.
func (p *parser) next(c byte) (more, ok bool) {
	switch p.peek() {
	case ',':
		p.i++
		return true, true
	case c:
		p.i++
		return false, true
	}
	return false, p.fail()
}

// open consumes '[' or '{' and reports whether the container is empty
// (then its closing bracket is consumed too).
func (p *parser) open(o, c byte) (empty, ok bool) {
	if p.peek() != o {
		return false, p.fail()
	}
	p.i++
	if p.peek() == c {
		p.i++
		return true, true
	}
	return false, true
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// number scans a JSON number at p.i. It returns the literal's end, its
// decimal mantissa (valid when exact) and power of ten, and whether it is
// an integer literal (no fraction, no exponent).
func (p *parser) number() (end int, m uint64, exp int, neg, exact, integer, ok bool) {
	b := p.b
	i := p.i
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	if i >= len(b) {
		p.i = i
		return 0, 0, 0, false, false, false, p.fail()
	}
	nd := 0
	switch c := b[i]; {
	case c == '0':
		i++
	case c >= '1' && c <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if nd < 19 {
				m = m*10 + uint64(b[i]-'0')
			} else {
				exp++
			}
			nd++
			i++
		}
	default:
		p.i = i
		return 0, 0, 0, false, false, false, p.fail()
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		integer = false
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			p.i = i
			return 0, 0, 0, false, false, false, p.fail()
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			d := b[i] - '0'
			if nd < 19 {
				if m != 0 || d != 0 {
					nd++
				}
				m = m*10 + uint64(d)
				exp--
			} else {
				nd++
			}
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			p.i = i
			return 0, 0, 0, false, false, false, p.fail()
		}
		e := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if e < 100000 {
				e = e*10 + int(b[i]-'0')
			}
			i++
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	exact = nd <= 19
	return i, m, exp, neg, exact, integer, true
}

// float reads a number as encoding/json does (strconv.ParseFloat of the
// literal), with the exact fast path for short decimals.
func (p *parser) float() (float64, bool) {
	if f, end, ok := fastFloat(p.b, p.i); ok {
		p.i = end
		return f, true
	}
	start := p.i
	end, m, exp, neg, exact, _, ok := p.number()
	if !ok {
		return 0, false
	}
	p.i = end
	if exact && m < 1<<53 && exp >= -22 && exp <= 22 {
		f := float64(m)
		if exp < 0 {
			f /= pow10[-exp]
		} else {
			f *= pow10[exp]
		}
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(unsafe.String(&p.b[start], end-start), 64)
	if err != nil {
		p.i = start
		return 0, p.fail() // out of range: a type error for encoding/json
	}
	return f, true
}

// int reads an integer that fits bits bits, as strconv.ParseInt.
func (p *parser) int(bits uint) (int64, bool) {
	start := p.i
	end, _, _, _, _, integer, ok := p.number()
	if !ok {
		return 0, false
	}
	if !integer {
		return 0, p.fail() // a number, but not an integer: a type error
	}
	v, err := strconv.ParseInt(unsafe.String(&p.b[start], end-start), 10, int(bits))
	if err != nil {
		return 0, p.fail()
	}
	p.i = end
	return v, true
}

// tokenIDs reads a []int64 array (responses).
func (p *parser) tokenIDs(field string) ([]int64, bool) {
	if p.null() {
		return nil, true
	}
	empty, ok := p.open('[', ']')
	if !ok {
		return nil, false
	}
	if empty {
		return []int64{}, true
	}
	scratch := p.n == 0
	var xs []int64
	if scratch {
		xs = p.is[:0]
	} else {
		xs = make([]int64, 0, p.n)
	}
	b := p.b
	i := p.i
	for {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
			i++
		}
		// Fast path: a non-negative integer of at most 7 digits, read 8
		// bytes at a time, or of at most 18 digits.
		var v int64
		j := i
		if i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			if n := leadingDigits(w); n < 8 {
				j = i + n
				v = int64(parseEight(w<<(8*(8-n)) | 0x3030303030303030>>(8*n)))
			}
		}
		if j == i {
			for j < len(b) && b[j] >= '0' && b[j] <= '9' && j-i < 18 {
				v = v*10 + int64(b[j]-'0')
				j++
			}
		}
		if j > i && (b[i] != '0' || j == i+1) && (j == len(b) || (b[j] != '.' && b[j] != 'e' && b[j] != 'E' && (b[j] < '0' || b[j] > '9'))) {
			i = j
		} else {
			p.i = i
			if p.null() {
				return nil, p.strictf(fmt.Sprintf("%s[%d]", field, len(xs)), "want an integer, got null")
			}
			var ok bool
			if v, ok = p.int(64); !ok {
				return nil, false
			}
			i = p.i
		}
		xs = append(xs, v)
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
			i++
		}
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == ']' {
			i++
			break
		}
		p.i = i
		return nil, p.fail()
	}
	p.i = i
	p.n = len(xs)
	if !scratch {
		return xs, true
	}
	p.is = xs
	return append([]int64(nil), xs...), true
}

// floats reads a []float64 array.
func (p *parser) floats(field string) ([]float64, bool) {
	if p.null() {
		return nil, true
	}
	empty, ok := p.open('[', ']')
	if !ok {
		return nil, false
	}
	if empty {
		return []float64{}, true
	}
	// With a length to expect, parse straight into the result; else into
	// the scratch slice, copied out at the end.
	scratch := p.n == 0
	var xs []float64
	if scratch {
		xs = p.fs[:0]
	} else {
		xs = make([]float64, 0, p.n)
	}
	b := p.b
	i := p.i
	for {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
			i++
		}
		// 0 and 1 (masks) are read at once; other numbers by fastFloat.
		var x float64
		ok := false
		if i+1 < len(b) && (b[i] == '0' || b[i] == '1') && (b[i+1] == ',' || b[i+1] == ']') {
			x, ok = float64(b[i]-'0'), true
			i++
		} else {
			var end int
			if x, end, ok = fastFloat(b, i); ok {
				i = end
			}
		}
		if !ok {
			p.i = i
			if p.peek() == 'n' && p.null() {
				return nil, p.strictf(fmt.Sprintf("%s[%d]", field, len(xs)), "want a number, got null")
			}
			if x, ok = p.float(); !ok {
				return nil, false
			}
			i = p.i
		}
		xs = append(xs, x)
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
			i++
		}
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == ']' {
			i++
			break
		}
		p.i = i
		return nil, p.fail()
	}
	p.i = i
	p.n = len(xs)
	if !scratch {
		return xs, true
	}
	p.fs = xs
	return append([]float64(nil), xs...), true
}

// tags reads a []int8 array (token_tags values).
func (p *parser) tags(field string) ([]int8, bool) {
	if p.null() {
		return nil, true
	}
	empty, ok := p.open('[', ']')
	if !ok {
		return nil, false
	}
	if empty {
		return []int8{}, true
	}
	xs := p.ts[:0]
	for {
		if p.peek() == 'n' && p.null() {
			return nil, p.strictf(fmt.Sprintf("%s[%d]", field, len(xs)), "want 0 or 1, got null")
		}
		v, ok := p.int(8)
		if !ok {
			return nil, false
		}
		xs = append(xs, int8(v))
		more, ok := p.next(']')
		if !ok {
			return nil, false
		}
		if !more {
			break
		}
	}
	p.ts = xs
	return append([]int8(nil), xs...), true
}

// string reads a string value (null leaves it as it is).
func (p *parser) string(field string, dst *string) bool {
	if p.null() {
		return true
	}
	if p.peek() != '"' {
		return p.fail()
	}
	s, ok := p.str(field, true)
	if ok {
		*dst = string(s)
	}
	return ok
}

func dupKey(field string, k []byte) string {
	if field == "" {
		return string(k)
	}
	return field + "." + string(k)
}

// object iterates the members of an object, calling f with each key; it
// rejects a repeated key (seen must report and record keys).
func (p *parser) object(field string, f func(k []byte) bool) bool {
	empty, ok := p.open('{', '}')
	if !ok || empty {
		return ok
	}
	for {
		k, ok := p.key(field)
		if !ok || !f(k) {
			return false
		}
		more, ok := p.next('}')
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

// floatMap reads a {name: number} object.
func (p *parser) floatMap(field string) (map[string]float64, bool) {
	if p.null() {
		return nil, true
	}
	m := map[string]float64{}
	ok := p.object(field, func(k []byte) bool {
		if _, dup := m[string(k)]; dup {
			return p.strictf(dupKey(field, k), "duplicate key %q: a JSON object must not repeat a key", k)
		}
		if p.null() {
			return p.strictf(dupKey(field, k), "want a number, got null")
		}
		x, ok := p.float()
		m[string(k)] = x
		return ok
	})
	return m, ok
}

// floatsMap reads a {name: [number]} object.
func (p *parser) floatsMap(field string) (map[string][]float64, bool) {
	if p.null() {
		return nil, true
	}
	m := map[string][]float64{}
	ok := p.object(field, func(k []byte) bool {
		name := dupKey(field, k)
		if _, dup := m[string(k)]; dup {
			return p.strictf(name, "duplicate key %q: a JSON object must not repeat a key", k)
		}
		if p.null() {
			return p.strictf(name, "want an array of numbers, got null")
		}
		xs, ok := p.floats(name)
		m[string(k)] = xs
		return ok
	})
	return m, ok
}

// tagsMap reads a {name: [0/1]} object.
func (p *parser) tagsMap(field string) (map[string][]int8, bool) {
	if p.null() {
		return nil, true
	}
	m := map[string][]int8{}
	ok := p.object(field, func(k []byte) bool {
		name := dupKey(field, k)
		if _, dup := m[string(k)]; dup {
			return p.strictf(name, "duplicate key %q: a JSON object must not repeat a key", k)
		}
		if p.null() {
			return p.strictf(name, "want an array of 0/1, got null")
		}
		xs, ok := p.tags(name)
		m[string(k)] = xs
		return ok
	})
	return m, ok
}

// features reads the features object: strings, numbers and booleans are
// kept; other values are kept as placeholders of encoding/json's types so
// that Validate rejects them with the same message as before.
func (p *parser) features(field string) (map[string]any, bool) {
	if p.null() {
		return nil, true
	}
	m := map[string]any{}
	ok := p.object(field, func(k []byte) bool {
		name := dupKey(field, k)
		if _, dup := m[string(k)]; dup {
			return p.strictf(name, "duplicate key %q: a JSON object must not repeat a key", k)
		}
		var v any
		switch c := p.peek(); {
		case c == '"':
			s, ok := p.str(name, true)
			if !ok {
				return false
			}
			v = string(s)
		case c == 't':
			if !p.lit("true") {
				return false
			}
			v = true
		case c == 'f':
			if !p.lit("false") {
				return false
			}
			v = false
		case c == 'n':
			if !p.lit("null") {
				return false
			}
		case c == '{':
			if !p.skip(name, 0, true) {
				return false
			}
			v = map[string]any{}
		case c == '[':
			if !p.skip(name, 0, true) {
				return false
			}
			v = []any{}
		default:
			x, ok := p.float()
			if !ok {
				return false
			}
			v = x
		}
		m[string(k)] = v
		return true
	})
	return m, ok
}

// skip validates and skips any JSON value. An object anywhere inside it
// must not repeat a key (the error names the path, field.key[2].k). known
// marks a value inside a known field (anchor_obs, features), where
// unpaired surrogate escapes are rejected too.
func (p *parser) skip(field string, depth int, known bool) bool {
	if depth > maxDepth {
		return p.fail()
	}
	switch c := p.peek(); c {
	case '"':
		_, ok := p.str(field, known)
		if !ok && len(p.segs) > 0 && p.err != nil && p.err.strict {
			var fe *rollout.FieldError
			if errors.As(p.err.err, &fe) && fe.Field == field {
				fe.Field = p.path(field)
			}
		}
		return ok
	case '{':
		empty, ok := p.open('{', '}')
		if !ok || empty {
			return ok
		}
		// Keys seen: compared one by one while few, then in a map.
		var few [8][]byte
		keys := few[:0]
		var seen map[string]bool
		for {
			k, ok := p.key(field)
			if !ok {
				return false
			}
			dup := false
			if seen != nil {
				dup = seen[string(k)]
				seen[string(k)] = true
			} else {
				for _, q := range keys {
					if bytes.Equal(q, k) {
						dup = true
						break
					}
				}
				if len(keys) < len(few) {
					keys = append(keys, k)
				} else {
					seen = make(map[string]bool, 2*len(few))
					for _, q := range keys {
						seen[string(q)] = true
					}
					seen[string(k)] = true
				}
			}
			p.segs = append(p.segs, seg{key: k})
			if dup {
				return p.strictf(p.path(field), "duplicate key %q: a JSON object must not repeat a key", k)
			}
			ok = p.skip(field, depth+1, known)
			p.segs = p.segs[:len(p.segs)-1]
			if !ok {
				return false
			}
			more, ok := p.next('}')
			if !ok {
				return false
			}
			if !more {
				return true
			}
		}
	case '[':
		empty, ok := p.open('[', ']')
		if !ok || empty {
			return ok
		}
		for n := 0; ; n++ {
			p.segs = append(p.segs, seg{idx: n})
			ok := p.skip(field, depth+1, known)
			p.segs = p.segs[:len(p.segs)-1]
			if !ok {
				return false
			}
			more, ok := p.next(']')
			if !ok {
				return false
			}
			if !more {
				return true
			}
		}
	case 't':
		return p.lit("true")
	case 'f':
		return p.lit("false")
	case 'n':
		return p.lit("null")
	default:
		end, _, _, _, _, _, ok := p.number()
		if ok {
			p.i = end
		}
		return ok
	}
}

// caseFold rejects a key that differs from a known field only in case:
// encoding/json matched such keys to the field, credo's fields are
// case-sensitive.
func (p *parser) caseFold(field string, k []byte, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(string(k), n) {
			return p.strictf(dupKey(field, k), "key %q differs from the field %q only in case: field names are case-sensitive", k, n)
		}
	}
	return true
}

func (p *parser) branch(field string) (*rollout.Branch, bool) {
	if p.null() {
		return nil, true
	}
	br := new(rollout.Branch)
	var seen [2]bool
	var other map[string]bool
	ok := p.object(field, func(k []byte) bool {
		id := -1
		switch string(k) {
		case "traj_uid":
			id = 0
		case "token":
			id = 1
		}
		if id >= 0 {
			if seen[id] {
				return p.strictf(dupKey(field, k), "duplicate key %q: a JSON object must not repeat a key", k)
			}
			seen[id] = true
		} else {
			if other[string(k)] {
				return p.strictf(dupKey(field, k), "duplicate key %q: a JSON object must not repeat a key", k)
			}
			if other == nil {
				other = map[string]bool{}
			}
			other[string(k)] = true
			if !p.caseFold(field, k, branchFieldNames) {
				return false
			}
		}
		switch id {
		case 0:
			return p.string(field+".traj_uid", &br.Trajectory)
		case 1:
			if p.null() {
				return true
			}
			v, ok := p.int(64)
			br.Token = int(v)
			return ok
		}
		return p.skip(dupKey(field, k), 0, false)
	})
	return br, ok
}

func (p *parser) steps(field string) ([]rollout.Step, bool) {
	if p.null() {
		return nil, true
	}
	empty, ok := p.open('[', ']')
	if !ok {
		return nil, false
	}
	steps := []rollout.Step{}
	if empty {
		return steps, true
	}
	for {
		name := fmt.Sprintf("%s[%d]", field, len(steps))
		if p.null() {
			return nil, p.strictf(name, "want a step object, got null")
		}
		var s rollout.Step
		if !p.step(name, &s) {
			return nil, false
		}
		steps = append(steps, s)
		more, ok := p.next(']')
		if !ok {
			return nil, false
		}
		if !more {
			return steps, true
		}
	}
}

func (p *parser) step(field string, s *rollout.Step) bool {
	var seen [10]bool
	var other map[string]bool
	return p.object(field, func(k []byte) bool {
		id := -1
		for j, n := range stepFieldNames {
			if string(k) == n {
				id = j
				break
			}
		}
		name := dupKey(field, k)
		if id >= 0 {
			if seen[id] {
				return p.strictf(name, "duplicate key %q: a JSON object must not repeat a key", k)
			}
			seen[id] = true
		} else {
			if other[string(k)] {
				return p.strictf(name, "duplicate key %q: a JSON object must not repeat a key", k)
			}
			if other == nil {
				other = map[string]bool{}
			}
			other[string(k)] = true
			if !p.caseFold(field, k, stepFieldNames) {
				return false
			}
			return p.skip(name, 0, false)
		}
		var ok bool
		switch id {
		case 0, 1:
			if p.null() {
				return true
			}
			var v int64
			v, ok = p.int(64)
			if id == 0 {
				s.Start = int(v)
			} else {
				s.End = int(v)
			}
		case 2:
			ok = p.string(name, &s.Kind)
		case 3:
			if p.null() {
				s.Parent = nil
				return true
			}
			var v int64
			v, ok = p.int(64)
			pi := int(v)
			s.Parent = &pi
		case 4:
			ok = p.string(name, &s.Role)
		case 5:
			ok = p.anchor(name, &s.State)
		case 6:
			ok = p.string(name, &s.Observation)
		case 7:
			s.Rewards, ok = p.floatMap(name)
		case 8:
			s.Values, ok = p.floatMap(name)
		case 9:
			s.Labels, ok = p.floatMap(name)
		}
		return ok
	})
}

// anchor reads anchor_obs: a string as it is, any other value in the
// canonical JSON text of rollout.StateKey.
func (p *parser) anchor(field string, k *rollout.StateKey) bool {
	if p.peek() == '"' {
		s, ok := p.str(field, true)
		if ok {
			*k = rollout.StateKey(s)
		}
		return ok
	}
	start := p.i
	if !p.skip(field, 0, true) {
		return false
	}
	if err := k.UnmarshalJSON(p.b[start:p.i]); err != nil {
		return p.fail()
	}
	return true
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// parse reads one record (without surrounding space) into t and returns
// its top-level members.
func (p *parser) parse(b []byte, t *rollout.Trajectory) []member {
	p.b, p.i, p.err, p.n, p.segs = b, 0, nil, 0, p.segs[:0]
	if bytes.HasPrefix(b, bom) {
		p.err = &decodeError{strict: true, err: fmt.Errorf("the line starts with a UTF-8 byte-order mark (BOM): save the file as UTF-8 without BOM")}
		return nil
	}
	members := p.ms[:0]
	var seen [nFields]bool
	var other map[string]bool
	empty, ok := p.open('{', '}')
	if !ok {
		return nil
	}
	for !empty {
		p.ws()
		ks := p.i
		k, ok := p.key("")
		if !ok {
			return nil
		}
		vs := p.i
		id := fieldID(k)
		if id >= 0 {
			if seen[id] {
				p.strictf(fieldNames[id], "duplicate key: the record gives this field twice")
				return nil
			}
			seen[id] = true
		}
		switch id {
		case fVersion:
			if !p.null() {
				var v int64
				v, ok = p.int(64)
				t.Version = int(v)
			}
		case fID:
			ok = p.string("traj_uid", &t.ID)
		case fGroup:
			ok = p.string("uid", &t.Group)
		case fParent:
			t.Parent, ok = p.branch("parent")
		case fProbe:
			switch p.peek() {
			case 't':
				ok = p.lit("true")
				t.Probe = true
			case 'f':
				ok = p.lit("false")
				t.Probe = false
			case 'n':
				ok = p.lit("null")
			default:
				ok = p.fail()
			}
		case fRewards:
			t.Rewards, ok = p.floatMap("rewards")
		case fFeatures:
			t.Features, ok = p.features("features")
		case fGroundTruth:
			ok = p.string("ground_truth", &t.GroundTruth)
		case fSteps:
			t.Steps, ok = p.steps("steps")
		case fTokens:
			t.Tokens, ok = p.tokenIDs("responses")
		case fMask:
			t.Mask, ok = p.floats("response_mask")
		case fOldLogProbs:
			t.OldLogProbs, ok = p.floats("old_log_probs")
		case fRolloutLogProbs:
			t.RolloutLogProbs, ok = p.floats("rollout_log_probs")
		case fRefLogProbs:
			t.RefLogProbs, ok = p.floats("ref_log_prob")
		case fLogProbs:
			t.LogProbs, ok = p.floatsMap("log_probs")
		case fTokenRewards:
			t.TokenRewards, ok = p.floats("token_level_rewards")
		case fValues:
			t.Values, ok = p.floats("values")
		case fScores:
			t.Scores, ok = p.floatsMap("token_scores")
		case fTags:
			t.Tags, ok = p.tagsMap("token_tags")
		case fAdvantages:
			t.Advantages, ok = p.floats("advantages")
		case fReturns:
			t.Returns, ok = p.floats("returns")
		case fLossWeights:
			t.LossWeights, ok = p.floats("loss_weights")
		default:
			if other[string(k)] {
				p.strictf(string(k), "duplicate key: the record gives this field twice")
				return nil
			}
			if other == nil {
				other = map[string]bool{}
			}
			other[string(k)] = true
			if !p.caseFold("", k, fieldNames[:]) {
				return nil
			}
			ok = p.skip(string(k), 0, false)
			if ok {
				if t.Extra == nil {
					t.Extra = map[string]json.RawMessage{}
				}
				t.Extra[string(k)] = json.RawMessage(b[vs:p.i:p.i])
			}
		}
		if !ok {
			return nil
		}
		members = append(members, member{key: int32(ks), val: int32(vs), end: int32(p.i), field: int8(id)})
		more, ok := p.next('}')
		if !ok {
			return nil
		}
		empty = !more
	}
	p.ms = members
	// Nothing but space may follow the object (peek's 0 would also be a
	// NUL byte).
	if p.ws(); p.i < len(p.b) {
		p.fail()
		return nil
	}
	if len(members) == 0 {
		return nil
	}
	return append(make([]member, 0, len(members)), members...)
}
