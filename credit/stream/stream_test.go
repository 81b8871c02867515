package stream

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format"
)

// Interleaved groups, streamed group by group, must give the same records in
// the same order as assigning the whole batch at once.
func TestByGroupEqualsWholeBatch(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	lines := []string{
		`{"uid":"a","traj_uid":"1","responses":[1,2],"rewards":{"outcome":1}}`,
		`{"uid":"b","traj_uid":"2","responses":[1],"rewards":{"outcome":0}}`,
		`{"uid":"a","traj_uid":"3","responses":[1,2,3],"rewards":{"outcome":0}}`,
		`{"uid":"c","traj_uid":"4","responses":[1],"rewards":{"outcome":5}}`,
		`{"uid":"b","traj_uid":"5","responses":[4],"rewards":{"outcome":2}}`,
		`{"uid":"a","traj_uid":"6","responses":[9],"rewards":{"outcome":1}}`,
	}
	os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	m, _ := credit.Lookup("verl.grpo")
	if m.Scope != credit.ScopeGroup {
		t.Fatal("verl.grpo should be group-scoped")
	}
	out := filepath.Join(dir, "out.jsonl")
	st, err := Assign(m, nil, nil, in, out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Trajectories != 6 || st.Groups != 3 || st.Tokens != 9 {
		t.Fatalf("stats %+v", st)
	}
	got, err := format.ReadAll(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := format.ReadAll(in)
	if err := m.Assign(want, nil); err != nil {
		t.Fatal(err)
	}
	for i, tr := range got.Trajectories {
		w := want.Trajectories[i]
		if tr.ID != w.ID {
			t.Fatalf("record %d is %s, want %s (order changed)", i, tr.ID, w.ID)
		}
		for k := range w.Advantages {
			if tr.Advantages[k] != w.Advantages[k] {
				t.Errorf("%s token %d: %v streamed, %v whole", tr.ID, k, tr.Advantages[k], w.Advantages[k])
			}
		}
	}
}
