package nt

import "unsafe"

// Store16 writes n 16-byte blocks of the pattern (lo, hi) at dst, which
// must be 16-byte aligned, with non-temporal stores (nt_amd64.s).
//
//go:noescape
func Store16(dst unsafe.Pointer, n int, lo, hi uint64)

// Fence orders the non-temporal stores before any later store (SFENCE).
func Fence()

// OK reports whether Store16 uses non-temporal stores.
const OK = true
