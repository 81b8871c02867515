package main

import (
	"bytes"
	"math"
	"unsafe"

	"github.com/credo-rl/credo/capi/internal/nt"
)

// Kernels of the outcome drop-ins on B×T float arrays. Outcome rewards are
// mostly zeros and masks mostly a prefix of ones followed by zeros; the
// kernels test those layouts a chunk at a time with bytes.Equal (the
// runtime's vectorised memequal), and fall back to element loops for any
// other content. The work is memory-bound, so the kernels move each byte
// once: one pass reads the rewards (row sums) and the mask (prefix length
// of each row) together; the second pass writes the output from the
// per-row scalar and prefix length alone, for outputs of ntMin bytes and
// more with non-temporal stores (package nt), which skip the read of the
// output's cache lines that ordinary stores make. Results are exactly those
// of the element loops: skipped chunks are all-zero bytes (+0.0), and a
// 0/1 mask multiplies exactly.

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

// rowLayout holds the chunk-sized rows that mask chunks are compared
// against (all ones, all zeros: shared, read-only) and the templates written
// for them by scaleRow (the row's scalar and its product with zero,
// allocated on first use).
type rowLayout[F float32 | float64] struct {
	ones, zeros []byte
	a, z        []F
}

var (
	ones32, zeros32 = byteView(filled[float32](1)), byteView(make([]float32, chunk))
	ones64, zeros64 = byteView(filled[float64](1)), byteView(make([]float64, chunk))
)

func filled[F float32 | float64](v F) []F {
	x := make([]F, chunk)
	for i := range x {
		x[i] = v
	}
	return x
}

func newRowLayout[F float32 | float64]() *rowLayout[F] {
	var z F
	if unsafe.Sizeof(z) == 4 {
		return &rowLayout[F]{ones: ones32, zeros: zeros32}
	}
	return &rowLayout[F]{ones: ones64, zeros: zeros64}
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

// scaleRow writes dst = a·w for one row in one streaming pass over w and
// dst, a chunk at a time: a chunk of w that is all ones (exact bytes) is
// written as F(a), one that is all zeros as F(a·0) (+0, or -0 for a
// negative a), any other chunk by the element loop. With stream set (large
// outputs, see ntMin) the uniform chunks are written with non-temporal
// stores, else by copying a template (vectorised memmove) or clearing; the
// caller then runs nt.Fence. It reports a non-finite w.
func scaleRow[F float32 | float64](l *rowLayout[F], dst, w []F, a float64, stream bool) (bad bool) {
	dst = dst[:len(w)]
	fa, fz := F(a), F(a*0)
	clearZ := fz == 0 && !signbit(float64(fz))
	haveA, haveZ := false, false
	for len(w) >= chunk {
		b := byteView(w[:chunk])
		switch {
		case bytes.Equal(b, l.ones):
			if stream {
				streamFill(dst[:chunk], fa)
				break
			}
			if !haveA {
				if l.a == nil {
					l.a = make([]F, chunk)
				}
				fill(l.a, fa)
				haveA = true
			}
			copy(dst[:chunk], l.a)
		case bytes.Equal(b, l.zeros):
			switch {
			case stream:
				streamFill(dst[:chunk], fz)
			case clearZ:
				clear(dst[:chunk])
			default:
				if !haveZ {
					if l.z == nil {
						l.z = make([]F, chunk)
					}
					fill(l.z, fz)
					haveZ = true
				}
				copy(dst[:chunk], l.z)
			}
		default:
			bad = scaleElems(dst[:chunk], w[:chunk], a) || bad
		}
		w, dst = w[chunk:], dst[chunk:]
	}
	return scaleElems(dst, w, a) || bad
}

// ntMin is the output size in bytes from which broadcast writes with
// non-temporal stores: well above the caches' share of one core, where the
// output would not stay cached anyway (the runtime's memmove switches at
// 1 MiB too).
const ntMin = 1 << 20

// streamFill sets every element of dst to v, with non-temporal stores for
// the 16-byte aligned middle.
func streamFill[F float32 | float64](dst []F, v F) {
	var z F
	es := int(unsafe.Sizeof(z))
	for len(dst) > 0 && uintptr(unsafe.Pointer(&dst[0]))%16 != 0 {
		dst[0] = v
		dst = dst[1:]
	}
	per := 16 / es
	n := len(dst) / per
	if n > 0 {
		u := pattern(v, v)
		nt.Store16(unsafe.Pointer(&dst[0]), n, u, u)
	}
	for i := n * per; i < len(dst); i++ {
		dst[i] = v
	}
}

// prefixLen returns L when w is L ones followed by zeros (exact bytes:
// +0, not -0), else -1, reading w once, a chunk at a time.
func prefixLen[F float32 | float64](l *rowLayout[F], w []F) int {
	var z F
	es := int(unsafe.Sizeof(z))
	L := 0
	for len(w)-L >= chunk && bytes.Equal(byteView(w[L:L+chunk]), l.ones) {
		L += chunk
	}
	for L < len(w) && w[L] == 1 {
		L++
	}
	for rest := w[L:]; len(rest) > 0; {
		n := min(len(rest), chunk)
		if !bytes.Equal(byteView(rest[:n]), l.zeros[:n*es]) {
			return -1
		}
		rest = rest[n:]
	}
	return L
}

// writePrefix writes one row dst = a·w for the mask row w of L ones
// followed by zeros: F(a) then F(a·0) (+0, or -0 for a negative a), with
// non-temporal stores when stream is set (the caller then runs nt.Fence).
func writePrefix[F float32 | float64](dst []F, L int, a float64, stream bool) {
	fa, fz := F(a), F(a*0)
	if stream {
		streamPrefix(dst, L, fa, fz)
		return
	}
	fill(dst[:L], fa)
	if fz == 0 && !signbit(float64(fz)) {
		clear(dst[L:])
	} else {
		fill(dst[L:], fz)
	}
}

// streamPrefix writes dst[:L] = fa and dst[L:] = fz as one stream of
// non-temporal 16-byte blocks (the block that holds the boundary gets a
// pattern of both values), so that no cache line is written partly by
// non-temporal and partly by ordinary stores; only the elements before
// the first and after the last 16-byte boundary are ordinary stores.
func streamPrefix[F float32 | float64](dst []F, L int, fa, fz F) {
	k := 0
	for ; k < len(dst) && uintptr(unsafe.Pointer(&dst[k]))%16 != 0; k++ {
		dst[k] = fz
		if k < L {
			dst[k] = fa
		}
	}
	var z F
	per := 16 / int(unsafe.Sizeof(z))
	n := (len(dst) - k) / per // 16-byte blocks from k
	ones := 0                 // blocks wholly before L
	if L > k {
		ones = min((L-k)/per, n)
	}
	if ones > 0 {
		u := pattern(fa, fa)
		nt.Store16(unsafe.Pointer(&dst[k]), ones, u, u)
	}
	j := k + ones*per // first element of the next block
	if ones < n && j < L {
		var e [4]F
		for t := 0; t < per; t++ {
			e[t] = fz
			if j+t < L {
				e[t] = fa
			}
		}
		var lo, hi uint64
		if per == 4 {
			lo, hi = pattern(e[0], e[1]), pattern(e[2], e[3])
		} else {
			lo, hi = pattern(e[0], e[0]), pattern(e[1], e[1])
		}
		nt.Store16(unsafe.Pointer(&dst[j]), 1, lo, hi)
		ones++
		j += per
	}
	if rest := n - ones; rest > 0 {
		u := pattern(fz, fz)
		nt.Store16(unsafe.Pointer(&dst[j]), rest, u, u)
	}
	for t := k + n*per; t < len(dst); t++ {
		dst[t] = fz
		if t < L {
			dst[t] = fa
		}
	}
}

// pattern returns 8 bytes holding x then y for float32 (little-endian
// lanes), or x alone for float64.
func pattern[F float32 | float64](x, y F) uint64 {
	var z F
	if unsafe.Sizeof(z) == 8 {
		return math.Float64bits(float64(x))
	}
	return uint64(math.Float32bits(float32(x))) | uint64(math.Float32bits(float32(y)))<<32
}

// scaleElems is the element loop of scaleRow.
func scaleElems[F float32 | float64](dst, w []F, a float64) (bad bool) {
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
