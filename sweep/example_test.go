package sweep_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/credo-rl/credo/sweep"
)

// Two workers in this process pull three cells from an embedded NATS
// server; the results are merged in the cells' order.
func Example() {
	dir, _ := os.MkdirTemp("", "sweep-example-")
	defer os.RemoveAll(dir)
	srv, err := sweep.StartServer("127.0.0.1:0", dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	cfg := sweep.Config{URL: srv.URL(), Name: "example"}
	upper := func(_ context.Context, key string, spec []byte) ([]byte, error) {
		return []byte(strings.ToUpper(string(spec))), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	for i := 0; i < 2; i++ {
		go func() {
			sweep.Work(ctx, cfg, fmt.Sprint("w", i), upper)
			done <- struct{}{}
		}()
	}
	cells := []sweep.Cell{{Key: "a", Spec: []byte("alpha")}, {Key: "b", Spec: []byte("beta")}, {Key: "c", Spec: []byte("gamma")}}
	st, err := sweep.Run(context.Background(), cfg, cells, func(key string, result []byte) error {
		fmt.Println(key, string(result))
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// A worker that saw the sweep ends with it; one that started too late
	// to see it waits for the next: stop both.
	cancel()
	<-done
	<-done
	fmt.Println(st.Cells, "cells,", st.Duplicates, "duplicates")
	// Output:
	// a ALPHA
	// b BETA
	// c GAMMA
	// 3 cells, 0 duplicates
}
