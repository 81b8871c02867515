// Command capi is credo's C ABI: built with
//
//	go build -buildmode=c-shared -o libcredo.so ./capi
//
// it exports a handful of C functions that the Python package (python/credo)
// calls through ctypes, so that credit is assigned in the trainer's process
// on the trainer's own arrays, with no file in between.
//
// The calls (see main.go for the C signatures):
//
//   - credo_call: one reference drop-in (verl, verl-agent, OpenRLHF
//     estimators) on caller-owned arrays. A small JSON request names the
//     function, its parameters and, for each array, a slot in the pointer
//     list, a dtype ("f4", "f8", "i8") and a shape. Inputs are read in place
//     (float64 rows are viewed without a copy, float32 rows converted to
//     float64 for the computation); outputs are caller-allocated arrays that
//     are written only after the whole computation succeeded.
//   - credo_assign: any catalogue method over rollout records in credo's
//     JSONL format (docs/format.md), with the state of stateful methods passed
//     in and out as JSON.
//   - credo_methods: the catalogue as JSON (what `credo methods --format json`
//     prints).
//   - credo_golden: one golden conformance case through credo's adapter,
//     returning the computed outputs for the caller to compare.
//   - credo_free: releases a buffer returned by the calls above.
//
// Every call recovers panics at the boundary and reports them as an error
// message; no Go pointer is handed to the caller (returned buffers are
// C-allocated); no state is shared between calls, so concurrent calls from
// several threads are safe (ctypes releases the GIL during a call).
//
// The Go runtime does not survive fork(): a process that loaded the library
// must start workers with the "spawn" method (see python/README.md).
package main

// main is required by -buildmode=c-shared and never runs. It lives outside
// main.go (the cgo file) so that the package still builds, without its C
// exports, when cgo is off.
func main() {}
