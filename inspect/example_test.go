package inspect_test

import (
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/credo-rl/credo/inspect"
)

// Open two files and ask the JSON API for the groups with the largest
// difference between their advantages.
func ExampleInspector_Handler() {
	in, err := inspect.Open(inspect.Options{File: "testdata/a.jsonl", File2: "testdata/b.jsonl"})
	if err != nil {
		panic(err)
	}
	defer in.Close()
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()
	r, err := srv.Client().Get(srv.URL + "/api/groups?sort=diff&limit=1")
	if err != nil {
		panic(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	fmt.Println(string(b))
	// Output:
	// {"total":3,"offset":0,"limit":1,"groups":[{"index":1,"id":"g2","size":2,"mean_reward":0.6000000000000001,"min_reward":0.4,"max_reward":0.8,"rewarded":2,"max_abs_credit":3,"max_abs_diff":2}]}
}

// Decode token ids with a Hugging Face tokenizer.json (GPT-2 byte-level BPE:
// "Ġ" is a space, "Ċ" a newline).
func ExampleTokenizer_Text() {
	tok, err := inspect.LoadTokenizer("testdata/tokenizer-bpe.json")
	if err != nil {
		panic(err)
	}
	for _, id := range []int64{0, 1, 2} {
		fmt.Printf("%q\n", tok.Text(id))
	}
	// Output:
	// "Hello"
	// " world"
	// "\n"
}
