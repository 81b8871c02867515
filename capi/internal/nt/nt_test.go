package nt

import (
	"fmt"
	"testing"
	"unsafe"
)

// TestStore16 checks that Store16 writes exactly n blocks of the pattern,
// for every n up to 40 (the 4-block loop and its remainder) at several
// aligned offsets, and nothing before or after them.
func TestStore16(t *testing.T) {
	const lo, hi = 0x1111111122222222, 0x3333333344444444
	buf := make([]uint64, 128+8)
	base := 0
	for uintptr(unsafe.Pointer(&buf[base]))%16 != 0 {
		base++
	}
	for _, off := range []int{0, 2, 6} {
		for n := 0; n <= 40; n++ {
			for i := range buf {
				buf[i] = 7
			}
			Store16(unsafe.Pointer(&buf[base+off]), n, lo, hi)
			Fence()
			for i := range buf {
				want := uint64(7)
				if k := i - base - off; k >= 0 && k < 2*n {
					want = lo
					if k%2 == 1 {
						want = hi
					}
				}
				if buf[i] != want {
					t.Fatalf("off %d, n %d: word %d = %#x, want %#x", off, n, i, buf[i], want)
				}
			}
		}
	}
}

func ExampleStore16() {
	// Fill 8 float32 values (two 16-byte blocks) with 1.0 (bits 0x3f800000).
	buf := make([]uint64, 6)
	k := 0
	for uintptr(unsafe.Pointer(&buf[k]))%16 != 0 {
		k++
	}
	const one = 0x3f800000_3f800000
	Store16(unsafe.Pointer(&buf[k]), 2, one, one)
	Fence()
	f := unsafe.Slice((*float32)(unsafe.Pointer(&buf[k])), 8)
	fmt.Println(f)
	// Output: [1 1 1 1 1 1 1 1]
}
