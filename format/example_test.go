package format_test

import (
	"fmt"
	"io"

	"github.com/credo-rl/credo/format"
)

// Reading a file record by record with its position and progress; the same
// call reads x.jsonl.gz, x.parquet.zst or "-" (standard input).
func ExampleOpenWith() {
	var records int
	r, err := format.OpenWith("../examples/grpo.jsonl", format.Options{
		Progress: func(bytes int64, n int) { records = n },
	})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		if t.ID == "p1/0" {
			fmt.Println(t.ID, "at", r.Pos())
		}
	}
	fmt.Println(records, "records")
	// Output:
	// p1/0 at line 5
	// 8 records
}
