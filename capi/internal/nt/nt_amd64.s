#include "textflag.h"

// func storeNT16(dst unsafe.Pointer, n int, lo, hi uint64)
// Writes n 16-byte blocks of the pattern (lo, hi) at dst (16-byte aligned)
// with non-temporal stores (MOVNTDQ, SSE2: every amd64 CPU has it).
TEXT ·Store16(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ lo+16(FP), X0
	MOVQ hi+24(FP), X1
	PUNPCKLQDQ X1, X0
	CMPQ CX, $4
	JB   one
four:
	MOVNTO X0, 0(DI)
	MOVNTO X0, 16(DI)
	MOVNTO X0, 32(DI)
	MOVNTO X0, 48(DI)
	ADDQ $64, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JAE  four
one:
	TESTQ CX, CX
	JEQ  done
	MOVNTO X0, 0(DI)
	ADDQ $16, DI
	DECQ CX
	JMP  one
done:
	RET

// func storeFence()
TEXT ·Fence(SB), NOSPLIT, $0-0
	SFENCE
	RET

