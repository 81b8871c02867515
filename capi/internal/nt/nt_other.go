//go:build !amd64

package nt

import "unsafe"

// Store16 writes n 16-byte blocks of the pattern (lo, hi) at dst with
// ordinary stores (no non-temporal stores on this architecture).
func Store16(dst unsafe.Pointer, n int, lo, hi uint64) {
	w := unsafe.Slice((*uint64)(dst), 2*n)
	for i := 0; i < len(w); i += 2 {
		w[i], w[i+1] = lo, hi
	}
}

// Fence does nothing: Store16 uses ordinary stores here.
func Fence() {}

// OK reports whether Store16 uses non-temporal stores.
const OK = false
