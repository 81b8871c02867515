package jsonl_test

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/credo-rl/credo/format/jsonl"
	"github.com/credo-rl/credo/rollout"
)

// old_log_probs (the actor's recomputation) and rollout_log_probs (the
// inference engine's) are two fields: both are read, kept apart and written
// back.
func TestRolloutLogProbsRoundTrip(t *testing.T) {
	line := `{"uid": "g", "traj_uid": "t0", "responses": [5, 6], "old_log_probs": [-0.5, -1.25], "rollout_log_probs": [-0.5078125, -1.2421875]}`
	tr, err := jsonl.Decode([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{-0.5, -1.25}; !reflect.DeepEqual(tr.OldLogProbs, want) {
		t.Errorf("old_log_probs = %v, want %v", tr.OldLogProbs, want)
	}
	if want := []float64{-0.5078125, -1.2421875}; !reflect.DeepEqual(tr.RolloutLogProbs, want) {
		t.Errorf("rollout_log_probs = %v, want %v", tr.RolloutLogProbs, want)
	}
	if tr.Extra != nil {
		t.Errorf("rollout_log_probs went to Extra: %v", tr.Extra)
	}

	// Unchanged, the record is written back byte for byte.
	var out bytes.Buffer
	w := jsonl.NewWriter(&out)
	if err := w.Write(tr); err != nil {
		t.Fatal(err)
	}
	// Replaced, the field is encoded again in place. (The writer may keep
	// a trajectory until Flush, so the replacement is made on a second copy.)
	tr2, err := jsonl.Decode([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	tr2.RolloutLogProbs = []float64{-0.25, -2}
	if err := w.Write(tr2); err != nil {
		t.Fatal(err)
	}
	// Without a source record, the canonical encoding puts it right after
	// old_log_probs, in the order of rollout.Trajectory.
	fresh := &rollout.Trajectory{ID: "t1", Group: "g", Tokens: []int64{7}, OldLogProbs: []float64{-1}, RolloutLogProbs: []float64{-1.5}}
	if err := w.Write(fresh); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		line,
		`{"uid": "g", "traj_uid": "t0", "responses": [5, 6], "old_log_probs": [-0.5, -1.25], "rollout_log_probs": [-0.25,-2]}`,
		`{"credo_version":1,"traj_uid":"t1","uid":"g","responses":[7],"old_log_probs":[-1],"rollout_log_probs":[-1.5]}`,
	}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("written:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	back, err := jsonl.Decode([]byte(lines[2]))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.RolloutLogProbs, fresh.RolloutLogProbs) || !reflect.DeepEqual(back.OldLogProbs, fresh.OldLogProbs) {
		t.Errorf("read back %v / %v, want %v / %v", back.OldLogProbs, back.RolloutLogProbs, fresh.OldLogProbs, fresh.RolloutLogProbs)
	}
}

// rollout_log_probs has one entry per token, like every per-token array.
func TestRolloutLogProbsLength(t *testing.T) {
	in := `{"uid": "g", "responses": [5, 6], "rollout_log_probs": [-0.5]}` + "\n"
	r := jsonl.NewReader(strings.NewReader(in), "in.jsonl")
	defer r.Close()
	_, err := r.Next()
	want := "in.jsonl: line 1: field rollout_log_probs: has 1 values, want 2 (one per token of responses)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	_, err = jsonl.Decode([]byte(`{"uid": "g", "responses": [5], "rollout_log_probs": ["x"]}`))
	if err == nil || !strings.Contains(err.Error(), "rollout_log_probs") {
		t.Fatalf("a string in rollout_log_probs: err = %v, want an error naming the field", err)
	}
}

// Decode reads one record. verl's two log-prob tensors stay apart:
// old_log_probs is what the trainer's actor recomputed, rollout_log_probs
// what the inference engine reported while sampling.
func ExampleDecode() {
	t, err := jsonl.Decode([]byte(`{"uid": "p0", "responses": [11, 12], "old_log_probs": [-0.5, -2], "rollout_log_probs": [-0.5, -2.125]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range t.Tokens {
		fmt.Printf("token %d: actor %.3f, engine %.3f, difference %.3f\n", t.Tokens[i], t.OldLogProbs[i], t.RolloutLogProbs[i], t.OldLogProbs[i]-t.RolloutLogProbs[i])
	}
	// Output:
	// token 11: actor -0.500, engine -0.500, difference 0.000
	// token 12: actor -2.000, engine -2.125, difference 0.125
}
