package stream

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format"
	_ "github.com/credo-rl/credo/method/all"
)

// statefulSets gives parameter settings that make each stateful method's
// state matter within one batch; methods not listed run with defaults.
var statefulSets = map[string][]string{
	"trust_grpo":    {"anneal_T=2", "alpha=0.5"},
	"knapsack.grpo": {"prompt_key=features.prompt", "ema=0.5"},
}

// statefulRecords writes a batch of nGroups groups of 3 trajectories that
// gives every stateful method its inputs: an outcome and a thinking reward,
// two players' rewards and turns with roles (SPIRAL), a game and a prompt
// key shared by several groups (Knapsack RL). interleave spreads each
// group over the file. seed varies the rewards between batches.
func statefulRecords(nGroups int, interleave bool, seed int) []string {
	type rec struct{ g, k int }
	var order []rec
	if interleave {
		for k := 0; k < 3; k++ {
			for g := 0; g < nGroups; g++ {
				order = append(order, rec{g, k})
			}
		}
	} else {
		for g := 0; g < nGroups; g++ {
			for k := 0; k < 3; k++ {
				order = append(order, rec{g, k})
			}
		}
	}
	var lines []string
	for _, r := range order {
		g, k := r.g, r.k
		outcome := float64((g + k + seed) % 2)
		think := 0.1 * float64((3*g+k+seed)%7)
		p0 := float64((g+k+seed)%3) - 1
		lines = append(lines, fmt.Sprintf(`{"uid":"g%d","traj_uid":"s%d-g%d-%d","responses":[1,2,3,4],`+
			`"rewards":{"outcome":%g,"thinking":%g,"format":%d,"0":%g,"1":%g},`+
			`"steps":[{"start":0,"end":2,"role":"0"},{"start":2,"end":4,"role":"1"}],`+
			`"features":{"prompt":"p%d","game":"kuhn","refusal":%t}}`, g, seed, g, k, outcome, think, (g+k)%2, p0, -p0, g%2, (g+2*k+seed)%3 == 0))
	}
	return lines
}

func writeLines(t *testing.T, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// For every stateful method of the registry, a multi-group batch streamed
// through the CLI path (stream.Assign) must give the same advantages,
// returns and state, bit for bit, as Method.AssignState on the whole batch;
// and so must a second batch that starts from the first one's state. The
// batch is tried with contiguous groups (one pass) and with every group
// spread over the file (indexed mode).
func TestStatefulStreamedEqualsWholeBatch(t *testing.T) {
	n := 0
	for _, m := range credit.All() {
		if !m.Stateful {
			continue
		}
		n++
		for _, interleave := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/interleave=%v", m.Name, interleave), func(t *testing.T) {
				v, err := m.Parse(statefulSets[m.Name])
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				streamed, whole := credit.NewState(), credit.NewState()
				for batch := 0; batch < 2; batch++ {
					in := filepath.Join(dir, fmt.Sprintf("in%d.jsonl", batch))
					out := filepath.Join(dir, fmt.Sprintf("out%d.jsonl", batch))
					writeLines(t, in, statefulRecords(3, interleave, batch))
					want, err := format.ReadAll(in)
					if err != nil {
						t.Fatal(err)
					}
					if err := m.Check(want, v); err != nil {
						t.Fatalf("the test's records lack an input of %s; add it to statefulRecords: %v", m.Name, err)
					}
					if err := m.AssignState(want, v, whole); err != nil {
						t.Fatal(err)
					}
					if _, err := Assign(m, v, streamed, in, out); err != nil {
						t.Fatal(err)
					}
					got, err := format.ReadAll(out)
					if err != nil {
						t.Fatal(err)
					}
					for i, w := range want.Trajectories {
						g := got.Trajectories[i]
						if g.ID != w.ID || !sameFloats(g.Advantages, w.Advantages) || !sameFloats(g.Returns, w.Returns) {
							t.Errorf("batch %d, %s: streamed adv %v ret %v, whole batch adv %v ret %v", batch, w.ID, g.Advantages, g.Returns, w.Advantages, w.Returns)
						}
					}
					sb, _ := streamed.Marshal()
					wb, _ := whole.Marshal()
					if !bytes.Equal(sb, wb) {
						t.Errorf("batch %d: streamed state\n%s\nwhole-batch state\n%s", batch, sb, wb)
					}
				}
			})
		}
	}
	if n < 3 {
		t.Fatalf("found %d stateful methods, want at least trust_grpo, knapsack.grpo and spiral.rae", n)
	}
}

// The state saved by a run (--state) is byte for byte the whole-batch
// state, and a failed run leaves the state file as it was.
func TestStateFileMatchesWholeBatch(t *testing.T) {
	m, _ := credit.Lookup("trust_grpo")
	v, _ := m.Parse(statefulSets["trust_grpo"])
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	writeLines(t, in, statefulRecords(4, true, 0))
	sp := filepath.Join(dir, "state.json")
	for call := 0; call < 2; call++ {
		st, err := credit.LoadState(sp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Run(Job{Method: m, Values: v, State: st, StatePath: sp, In: in, Out: filepath.Join(dir, "out.jsonl")}); err != nil {
			t.Fatal(err)
		}
	}
	whole := credit.NewState()
	for call := 0; call < 2; call++ {
		b, _ := format.ReadAll(in)
		if err := m.AssignState(b, v, whole); err != nil {
			t.Fatal(err)
		}
	}
	wb, _ := whole.Marshal()
	got, _ := os.ReadFile(sp)
	if !bytes.Equal(got, append(wb, '\n')) {
		t.Fatalf("state file\n%s\nwant\n%s", got, wb)
	}
	var step int
	if _, err := whole.For("trust_grpo").Get("step", &step); err != nil || step != 2 {
		t.Fatalf("two calls: step = %d (%v), want 2", step, err)
	}
}

// Three identical groups in one call get identical advantages from
// trust_grpo (the annealing step is the same for all of them).
func TestTrustIdenticalGroupsIdenticalCredit(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	var lines []string
	for g := 0; g < 3; g++ {
		for k, o := range []int{1, 0, 1} {
			lines = append(lines, fmt.Sprintf(`{"uid":"g%d","traj_uid":"%d-%d","responses":[1,2],"rewards":{"outcome":%d,"thinking":%g}}`, g, g, k, o, 0.2*float64(k+1)))
		}
	}
	writeLines(t, in, lines)
	m, _ := credit.Lookup("trust_grpo")
	v, _ := m.Parse([]string{"anneal_T=1"})
	out := filepath.Join(dir, "out.jsonl")
	if _, err := Assign(m, v, credit.NewState(), in, out); err != nil { // as with --state
		t.Fatal(err)
	}
	got, _ := format.ReadAll(out)
	for g := 1; g < 3; g++ {
		for k := 0; k < 3; k++ {
			a, b := got.Trajectories[k], got.Trajectories[3*g+k]
			if !sameFloats(a.Advantages, b.Advantages) {
				t.Errorf("group %d record %d: %v, group 0: %v", g, k, b.Advantages, a.Advantages)
			}
		}
	}
}
