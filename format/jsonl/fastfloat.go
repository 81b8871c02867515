package jsonl

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Fast exact decimal-to-float64 conversion for the numbers that fill
// per-token arrays: a decimal m·10^-k with m < 2^64 (up to 19 significant
// digits) and 0 <= k <= 27 once the exponent is applied, such as the
// 17-digit log-probs that Python prints (also as 1.2345678901234567e-05). The result is the correctly
// rounded float64, the same as strconv.ParseFloat (see divPow10). Other
// literals go to strconv.
//
// The 8-digits-at-a-time parsing is the SWAR technique described by
// D. Lemire, "Number parsing at a gigabyte per second", Software: Practice
// and Experience 51(8), 2021 (and simdjson, github.com/simdjson/simdjson).

// eightDigits reports whether the 8 bytes of v (little-endian) are all
// ASCII digits.
func eightDigits(v uint64) bool {
	return (v&0xF0F0F0F0F0F0F0F0)|(((v+0x0606060606060606)&0xF0F0F0F0F0F0F0F0)>>4) == 0x3333333333333333
}

// leadingDigits returns how many of the 8 bytes of v (little-endian), from
// the first, are ASCII digits. A byte below '0' borrows from the bytes
// after it, which only blurs bytes past the first non-digit.
func leadingDigits(v uint64) int {
	t := v - 0x3030303030303030
	m := ((t + 0x7676767676767676) | t) & 0x8080808080808080
	return bits.TrailingZeros64(m) / 8
}

// parseEight converts 8 ASCII digits (little-endian in v) to their value.
func parseEight(v uint64) uint64 {
	v = (v & 0x0F0F0F0F0F0F0F0F) * 2561 >> 8
	v = (v & 0x00FF00FF00FF00FF) * 6553601 >> 16
	return (v & 0x0000FFFF0000FFFF) * 42949672960001 >> 32
}

// fastFloat parses a number at b[i:]. ok is false when the literal is not
// of the fast kind (or not valid); the caller then takes the general path.
func fastFloat(b []byte, i int) (f float64, end int, ok bool) {
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	if i >= len(b) {
		return 0, 0, false
	}
	var m uint64
	switch c := b[i]; {
	case c == '0':
		i++
	case c >= '1' && c <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if m >= 1e18 {
				return 0, 0, false
			}
			m = m*10 + uint64(b[i]-'0')
			i++
		}
	default:
		return 0, 0, false
	}
	k := 0
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		for i+8 <= len(b) {
			v := binary.LittleEndian.Uint64(b[i:])
			if !eightDigits(v) {
				break
			}
			if m > 184467440736 {
				return 0, 0, false
			}
			m = m*1e8 + parseEight(v)
			i += 8
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if m >= 1e18 {
				return 0, 0, false
			}
			m = m*10 + uint64(b[i]-'0')
			i++
		}
		k = i - start
		if k == 0 || k > 27 {
			return 0, 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		// An exponent (Python prints 1e-05, 1.5e-07): value m * 10^(e-k).
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		start := i
		e := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' && i-start < 4 {
			e = e*10 + int(b[i]-'0')
			i++
		}
		if i == start || (i < len(b) && b[i] >= '0' && b[i] <= '9') {
			return 0, 0, false
		}
		if eneg {
			e = -e
		}
		k -= e
		if k < 0 {
			if m == 0 {
				f = 0
			} else if m < 1<<53 && k >= -22 {
				f = float64(m) * pow10[-k]
			} else {
				return 0, 0, false
			}
			if neg {
				f = -f
			}
			return f, i, true
		}
		if k > 27 && m != 0 {
			return 0, 0, false
		}
	}
	switch {
	case m == 0:
		f = 0
	case k == 0 && m < 1<<53:
		f = float64(m)
	case m < 1<<53 && k <= 22:
		f = float64(m) / pow10[k]
	default:
		f = divPow10(m, k)
	}
	if neg {
		f = -f
	}
	return f, i, true
}

// pow5 are the powers of five that fit in a uint64, and recip5[k] is
// floor(2^127 / (5^k normalized to [2^63, 2^64))).
var pow5, recip5 = func() (p, r [28]uint64) {
	p[0] = 1
	for k := 1; k < len(p); k++ {
		p[k] = p[k-1] * 5
		r[k], _ = bits.Div64(1<<63, 0, p[k]<<bits.LeadingZeros64(p[k]))
	}
	return p, r
}()

// divPow10 returns the float64 nearest to m / 10^k (ties to even), for
// m > 0 and k <= 27. m / 10^k = (m / 5^k) * 2^-k; the quotient by 5^k is
// first estimated by multiplying with its 128-bit reciprocal (off by less
// than 2 units of the 64-bit quotient, so the rounding is settled unless
// the quotient's 11 low bits lie next to the halfway point) and else
// computed exactly with a 128-by-64-bit division.
func divPow10(m uint64, k int) float64 {
	p := pow5[k]
	lm := bits.LeadingZeros64(m)
	lp := bits.LeadingZeros64(p)
	mn, pn := m<<lm, p<<lp
	// m/5^k = (mn/pn) * 2^e; q is mn/pn scaled to [2^63, 2^64).
	e := lp - lm - k
	small := mn < pn
	if small {
		e -= 64
	} else {
		e -= 63
	}
	var q uint64
	exact := false
	if k > 0 {
		hi, lo := bits.Mul64(mn, recip5[k])
		if small {
			q = hi<<1 | lo>>63
		} else {
			q = hi
		}
		if t := q & 0x7FF; q < 1<<63 || (t >= 0x3FE && t <= 0x400) {
			exact = true
		}
	} else {
		exact = true
	}
	var r uint64
	if exact {
		if small {
			q, r = bits.Div64(mn, 0, pn)
		} else {
			q, r = bits.Div64(mn>>1, mn<<63, pn)
		}
	}
	// value = (q + frac) * 2^e with q in [2^63, 2^64): keep 53 bits. With
	// the estimate, frac is unknown but the low bits are away from half.
	mant := q >> 11
	rest := q & 0x7FF
	if rest > 0x400 || (rest == 0x400 && (r != 0 || mant&1 == 1)) {
		mant++
		if mant == 1<<53 {
			mant >>= 1
			e++
		}
	}
	e += 11 // value = mant * 2^e, mant in [2^52, 2^53)
	// Values here lie in [1e-27, 2^64): always normal.
	return math.Float64frombits(uint64(e+52+1023)<<52 | mant&(1<<52-1))
}
