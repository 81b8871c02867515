package run

import (
	"context"
	"fmt"
	"testing"
)

func TestParallelLowestError(t *testing.T) {
	for _, w := range []int{1, 2, 7} {
		x := &Ctx{Name: "t", Workers: w}
		out := make([]int, 50)
		err := x.Parallel(context.Background(), 50, func(i int) error {
			out[i] = i * i
			if i == 13 || i == 31 {
				return fmt.Errorf("fail %d", i)
			}
			return nil
		})
		if err == nil || err.Error() != "fail 13" {
			t.Fatalf("workers %d: error %v, want fail 13", w, err)
		}
		for i := 0; i <= 13; i++ {
			if out[i] != i*i {
				t.Fatalf("workers %d: index %d below the failure did not run", w, i)
			}
		}
		ok := make([]int, 20)
		if err := x.Parallel(context.Background(), 20, func(i int) error { ok[i] = 2 * i; return nil }); err != nil {
			t.Fatal(err)
		}
		for i, v := range ok {
			if v != 2*i {
				t.Fatalf("workers %d: out[%d] = %d", w, i, v)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	x := &Ctx{Name: "t", Workers: 2}
	if err := x.Parallel(ctx, 5, func(int) error { return nil }); err != context.Canceled {
		t.Fatalf("cancelled: %v", err)
	}
}
