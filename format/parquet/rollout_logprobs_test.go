package parquet

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/credo-rl/credo/rollout"
)

// rollout_log_probs (the inference engine's log-probs) is a native
// list<double> column next to old_log_probs (the actor's), with and
// without extra columns, and read back apart from it.
func TestRolloutLogProbsColumn(t *testing.T) {
	tr := &rollout.Trajectory{ID: "t0", Group: "g", Tokens: []int64{5, 6},
		OldLogProbs: []float64{-0.5, -1.25}, RolloutLogProbs: []float64{-0.5078125, -1.2421875}}
	for _, general := range []bool{false, true} {
		if general {
			tr.Extra = map[string]json.RawMessage{"x": json.RawMessage(`1`)}
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		if err := w.Write(tr); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := mustRead(t, buf.Bytes()).Trajectories[0]
		if !reflect.DeepEqual(got.RolloutLogProbs, tr.RolloutLogProbs) || !reflect.DeepEqual(got.OldLogProbs, tr.OldLogProbs) {
			t.Errorf("general=%v: read old %v rollout %v, want %v %v", general, got.OldLogProbs, got.RolloutLogProbs, tr.OldLogProbs, tr.RolloutLogProbs)
		}
		if _, in := got.Extra["rollout_log_probs"]; in {
			t.Errorf("general=%v: rollout_log_probs went to Extra: %v", general, got.Extra)
		}
	}
}

// A verl file whose rollout_log_probs row has the wrong length is refused
// with the row and the field.
func TestRolloutLogProbsLength(t *testing.T) {
	type row struct {
		UID             string    `parquet:"uid"`
		Responses       []int32   `parquet:"responses"`
		RolloutLogProbs []float32 `parquet:"rollout_log_probs"`
	}
	b := pqFile(t, []row{{UID: "g", Responses: []int32{1, 2}, RolloutLogProbs: []float32{-0.5}}})
	_, err := ReadAll(bytes.NewReader(b), int64(len(b)), "x.parquet")
	want := "x.parquet: row 1: field rollout_log_probs: has 1 values, want 2 (one per token of responses)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}
