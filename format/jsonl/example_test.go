package jsonl_test

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/credo-rl/credo/format/jsonl"
)

// A record read and written back keeps its bytes: key order, spacing,
// number spellings and unknown fields; only the advantages are added (in
// the record's style of separators).
func Example() {
	in := `{"prompt": "2+2?", "uid": "p0", "responses": [11, 12], "rewards": {"outcome": 1.0}}` + "\n"
	r := jsonl.NewReader(strings.NewReader(in), "in.jsonl")
	w := jsonl.NewWriter(os.Stdout)
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		t.Advantages = []float64{0.5, 0.5}
		if err := w.Write(t); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"prompt": "2+2?", "uid": "p0", "responses": [11, 12], "rewards": {"outcome": 1.0}, "advantages": [0.5,0.5]}
}

// Errors name the file, the line and the field.
func ExampleReader_Next() {
	in := "{\"uid\": \"p0\", \"responses\": [1]}\n{\"uid\": \"p0\", \"responses\": [1], \"rewards\": {\"outcome\": 1, \"outcome\": 0}}\n"
	r := jsonl.NewReader(strings.NewReader(in), "in.jsonl")
	defer r.Close()
	for {
		_, err := r.Next()
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	// Output:
	// in.jsonl: line 2: field rewards.outcome: duplicate key "outcome": a JSON object must not repeat a key
}
