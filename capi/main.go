package main

/*
#include <stdlib.h>
#include <stdint.h>
*/
import "C"

import (
	"fmt"
	"runtime/debug"
	"unsafe"
)

// reply copies b into a C-allocated buffer owned by the caller (freed with
// credo_free).
func reply(b []byte, out **C.char, outLen *C.size_t) {
	p := C.malloc(C.size_t(len(b) + 1))
	buf := unsafe.Slice((*byte)(p), len(b)+1)
	copy(buf, b)
	buf[len(b)] = 0
	*out = (*C.char)(p)
	*outLen = C.size_t(len(b))
}

// guard runs f, turning an error or a panic into return code 1 with the
// message in *out.
func guard(out **C.char, outLen *C.size_t, f func() ([]byte, error)) (rc C.int) {
	defer func() {
		if p := recover(); p != nil {
			reply([]byte(fmt.Sprintf("credo: internal error: %v\n%s", p, debug.Stack())), out, outLen)
			rc = 2
		}
	}()
	b, err := f()
	if err != nil {
		reply([]byte(err.Error()), out, outLen)
		return 1
	}
	if b == nil { // nothing to return: no buffer for the caller to free
		*out, *outLen = nil, 0
		return 0
	}
	reply(b, out, outLen)
	return 0
}

func goBytes(p *C.char, n C.size_t) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))
}

//export credo_call
func credo_call(req *C.char, reqLen C.size_t, ptrs *unsafe.Pointer, nptrs C.int, out **C.char, outLen *C.size_t) C.int {
	return guard(out, outLen, func() ([]byte, error) {
		var ps []unsafe.Pointer
		if nptrs > 0 {
			ps = unsafe.Slice(ptrs, int(nptrs))
		}
		return nil, Call(goBytes(req, reqLen), ps)
	})
}

//export credo_assign
func credo_assign(req *C.char, reqLen C.size_t, records *C.char, recLen C.size_t, out **C.char, outLen *C.size_t) C.int {
	return guard(out, outLen, func() ([]byte, error) {
		return AssignJSONL(goBytes(req, reqLen), goBytes(records, recLen))
	})
}

//export credo_methods
func credo_methods(out **C.char, outLen *C.size_t) C.int {
	return guard(out, outLen, Methods)
}

//export credo_golden
func credo_golden(est *C.char, estLen C.size_t, kase *C.char, caseLen C.size_t, out **C.char, outLen *C.size_t) C.int {
	return guard(out, outLen, func() ([]byte, error) {
		return GoldenCase(string(goBytes(est, estLen)), goBytes(kase, caseLen))
	})
}

//export credo_free
func credo_free(p *C.char) { C.free(unsafe.Pointer(p)) }
