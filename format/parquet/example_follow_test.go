package parquet_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/credo-rl/credo/format/parquet"
	"github.com/credo-rl/credo/rollout"
)

// A Writer that follows its Reader copies the column chunks whose values
// did not change (here responses, response_mask and the five per-token
// columns that are null in every row) and encodes the others (among them
// the new advantages).
func ExampleWriter_Follow() {
	var in bytes.Buffer
	w := parquet.NewWriter(&in)
	for i := range 4 {
		w.Write(&rollout.Trajectory{ID: fmt.Sprint("t", i), Group: "g", Tokens: []int64{1, 2, 3}, Mask: []float64{1, 1, 0}, Rewards: map[string]float64{"outcome": float64(i % 2)}})
	}
	w.Close()

	r, _ := parquet.NewReader(bytes.NewReader(in.Bytes()), int64(in.Len()), "in.parquet")
	var out bytes.Buffer
	w = parquet.NewWriter(&out)
	w.Follow(r)
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		t.Advantages = []float64{t.Rewards["outcome"], t.Rewards["outcome"], 0}
		w.Write(t)
	}
	r.Close()
	w.Close()
	back, _ := parquet.ReadAll(bytes.NewReader(out.Bytes()), int64(out.Len()), "out.parquet")
	fmt.Println(w.CopiedChunks(), "chunks copied;", back.Trajectories[1].ID, back.Trajectories[1].Tokens, back.Trajectories[1].Advantages)
	// Output:
	// 7 chunks copied; t1 [1 2 3] [1 1 0]
}

// A reader whose caller needs only the mask (a credit method that reads
// response_mask and the rewards, as verl.grpo) does not decode the token
// ids of the chunks its Writer copies: the rows hold placeholders of the
// right length, and the output holds the ids of the input.
func ExampleReader_Needs() {
	var in bytes.Buffer
	w := parquet.NewWriter(&in)
	for i := range 4 {
		w.Write(&rollout.Trajectory{ID: fmt.Sprint("t", i), Group: "g", Tokens: []int64{7, 8, 9}, Mask: []float64{1, 1, 0}, Rewards: map[string]float64{"outcome": float64(i % 2)}})
	}
	w.Close()

	r, _ := parquet.NewReader(bytes.NewReader(in.Bytes()), int64(in.Len()), "in.parquet")
	var out bytes.Buffer
	w = parquet.NewWriter(&out)
	w.Follow(r)
	r.Needs("response_mask")
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if t.ID == "t1" {
			fmt.Println("read:", len(t.Tokens), "token ids (not decoded), mask", t.Mask)
		}
		t.Advantages = []float64{t.Rewards["outcome"], t.Rewards["outcome"], 0}
		w.Write(t)
	}
	r.Close()
	w.Close()
	back, _ := parquet.ReadAll(bytes.NewReader(out.Bytes()), int64(out.Len()), "out.parquet")
	fmt.Println("written:", back.Trajectories[1].Tokens, back.Trajectories[1].Advantages)
	// Output:
	// read: 3 token ids (not decoded), mask [1 1 0]
	// written: [7 8 9] [1 1 0]
}
