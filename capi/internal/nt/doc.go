// Package nt writes memory with non-temporal stores: stores that go to
// memory without first reading the destination's cache lines and without
// evicting the caller's working set. For outputs much larger than the
// caches (a 4096 × 2048 float32 advantage array is 32 MiB) this removes a
// full read of the output (the read-for-ownership of ordinary stores) from
// the memory traffic of a fill.
//
// On amd64 Store16 uses MOVNTDQ (SSE2, present on every amd64 CPU); on other
// architectures OK is false and Store16 uses ordinary stores. After a
// sequence of Store16 calls, Fence (SFENCE) must run before the written
// memory is handed to another thread or read through a C pointer.
//
// This is what the Go runtime's memclr and memmove do for very large sizes
// (runtime/memclr_amd64.s, runtime/memmove_amd64.s: VMOVNTDQ above 32 MiB
// and 1 MiB); here it is exposed for fills of a repeated 16-byte pattern.
package nt
