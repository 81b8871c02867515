package main

import (
	"bytes"
	"unsafe"
)

// Kernels of the outcome drop-ins on B×T float arrays. Outcome rewards are
// mostly zeros and masks mostly a prefix of ones followed by zeros; the
// kernels test those layouts with bytes.Equal (the runtime's vectorised
// memequal) and fill rows with copy/clear (vectorised memmove/memclr), and
// fall back to element loops for any other content. Results are exactly
// those of the element loops: skipped chunks are all-zero bytes (+0.0),
// and a 0/1 mask multiplies exactly.

// chunk is the number of elements tested at once for being all zero.
const chunk = 256

var zeroBytes [chunk * 8]byte

func byteView[F float32 | float64](x []F) []byte {
	if len(x) == 0 {
		return nil
	}
	var z F
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), len(x)*int(unsafe.Sizeof(z)))
}

// sumSparse is sum4 that skips all-zero chunks.
func sumSparse[F float32 | float64](x []F) float64 {
	var z F
	zb := zeroBytes[:chunk*int(unsafe.Sizeof(z))]
	var s float64
	for len(x) >= chunk {
		if !bytes.Equal(byteView(x[:chunk]), zb) {
			s += sum4(x[:chunk])
		}
		x = x[chunk:]
	}
	return s + sum4(x)
}

// rowLayout holds a row of ones and a row of zeros of length T, to compare
// mask rows against.
type rowLayout[F float32 | float64] struct {
	ones, zeros []byte
}

func newRowLayout[F float32 | float64](T int) *rowLayout[F] {
	ones := make([]F, T)
	for i := range ones {
		ones[i] = 1
	}
	return &rowLayout[F]{ones: byteView(ones), zeros: byteView(make([]F, T))}
}

// prefix reports whether w is L ones followed by zeros (exact bytes), and L.
func (l *rowLayout[F]) prefix(w []F) (int, bool) {
	lo, hi := 0, len(w) // the first non-one is in [lo, hi]
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if w[mid] == 1 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	var z F
	es := int(unsafe.Sizeof(z))
	b := byteView(w)
	return lo, bytes.Equal(b[:lo*es], l.ones[:lo*es]) && bytes.Equal(b[lo*es:], l.zeros[:(len(w)-lo)*es])
}

// fill sets every element of dst to v by doubling copies.
func fill[F float32 | float64](dst []F, v F) {
	if len(dst) == 0 {
		return
	}
	dst[0] = v
	for n := 1; n < len(dst); n *= 2 {
		copy(dst[n:], dst[:n])
	}
}

// scaleRow writes dst = a·w for one row, by fills when w is a 0/1 prefix
// mask; it reports a non-finite w.
func scaleRow[F float32 | float64](l *rowLayout[F], dst, w []F, a float64) (bad bool) {
	if L, ok := l.prefix(w); ok {
		fill(dst[:L], F(a))
		if z := F(a * 0); z == 0 && !signbit(a) {
			clear(dst[L:])
		} else {
			fill(dst[L:], z)
		}
		return false
	}
	dst = dst[:len(w)]
	for t, x := range w {
		if x-x != 0 {
			bad = true
		}
		dst[t] = F(a * float64(x))
	}
	return bad
}

func signbit(x float64) bool { return *(*uint64)(unsafe.Pointer(&x))>>63 != 0 }
