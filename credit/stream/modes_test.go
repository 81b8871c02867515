package stream

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/rollout"
)

// mixedRecords: nGroups groups of 3, ragged lengths, partial masks, values,
// and token-level rewards on some records; interleave spreads every group
// over the file.
func mixedRecords(nGroups int, interleave bool) []string {
	var lines []string
	for k := 0; k < 3*nGroups; k++ {
		g, j := k/3, k%3
		if interleave {
			g, j = k%nGroups, k/nGroups
		}
		n := 2 + (5*g+3*j)%6
		resp, mask, vals := "", "", ""
		for i := 0; i < n; i++ {
			sep := ","
			if i == 0 {
				sep = ""
			}
			resp += fmt.Sprintf("%s%d", sep, i+1)
			m := 1
			if (i+g+j)%4 == 3 {
				m = 0
			}
			mask += fmt.Sprintf("%s%d", sep, m)
			vals += fmt.Sprintf("%s%g", sep, 0.1*float64((i*7+g*3+j)%11)-0.4)
		}
		rec := fmt.Sprintf(`{"uid":"g%d","traj_uid":"t%d-%d","responses":[%s],"response_mask":[%s],"values":[%s],"rewards":{"outcome":%g}`,
			g, g, j, resp, mask, vals, 0.37*float64((g*5+j*2)%7)-1)
		if (g+j)%3 == 0 {
			tr := ""
			for i := 0; i < n; i++ {
				sep := ","
				if i == 0 {
					sep = ""
				}
				tr += fmt.Sprintf("%s%g", sep, 0.05*float64((i+g)%5))
			}
			rec += `,"token_level_rewards":[` + tr + `]`
		}
		lines = append(lines, rec+"}")
	}
	return lines
}

func assertSameCredit(t *testing.T, got, want *rollout.Batch) {
	t.Helper()
	if len(got.Trajectories) != len(want.Trajectories) {
		t.Fatalf("%d records, want %d", len(got.Trajectories), len(want.Trajectories))
	}
	for i, w := range want.Trajectories {
		g := got.Trajectories[i]
		if g.ID != w.ID {
			t.Fatalf("record %d is %s, want %s (order changed)", i, g.ID, w.ID)
		}
		if !sameFloats(g.Advantages, w.Advantages) || !sameFloats(g.Returns, w.Returns) {
			t.Errorf("%s: adv %v ret %v, whole batch adv %v ret %v", w.ID, g.Advantages, g.Returns, w.Advantages, w.Returns)
		}
	}
}

// Batch-scope whitening methods run in two streaming passes (three for
// REINFORCE++-baseline: group means first) and give the whole-batch result
// bit for bit, also with groups spread over the file.
func TestTwoPassBatchEqualsWholeBatch(t *testing.T) {
	for _, name := range []string{"verl.gae", "verl.reinforce_plus_plus", "verl.reinforce_plus_plus_baseline", "verl.gpg"} {
		for _, sets := range [][]string{nil, {"gamma=0.9"}} {
			if (name == "verl.reinforce_plus_plus_baseline" || name == "verl.gpg") && sets != nil {
				continue // no gamma
			}
			m, v := lookup(t, name, sets...)
			if m.Sums == nil {
				t.Fatalf("%s has no two-pass form", name)
			}
			dir := t.TempDir()
			in := filepath.Join(dir, "in.jsonl")
			lines := mixedRecords(5, true)
			if name == "verl.gpg" { // zero scores, so that alpha != 1
				for i := range lines {
					lines[i] = strings.Replace(lines[i], `"outcome":-1}`, `"outcome":0}`, 1)
				}
			}
			writeLines(t, in, lines)
			out := filepath.Join(dir, "out.jsonl")
			st, err := Assign(m, v, nil, in, out)
			if err != nil {
				t.Fatal(err)
			}
			wantMode := "two passes"
			if name == "verl.reinforce_plus_plus_baseline" {
				wantMode = "3 passes"
			}
			if st.Mode != wantMode || st.Trajectories != 15 || st.Groups != 5 {
				t.Errorf("%s: stats %+v, want %s over 15 records in 5 groups", name, st, wantMode)
			}
			got, err := format.ReadAll(out)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := format.ReadAll(in)
			if err := m.Assign(want, v); err != nil {
				t.Fatal(err)
			}
			assertSameCredit(t, got, want)
		}
	}
}

// maxBatch is a test method that records the largest batch it is given.
var maxBatch int

func init() {
	credit.Register(&credit.Method{
		Name: "test.stream_max_batch", Summary: "test: group mean baseline, records the batch size",
		Params: []credit.Param{credit.RewardParam}, Inputs: []credit.Input{credit.InGroup},
		Outputs: []string{"advantages"}, Scope: credit.ScopeGroup,
		Run: func(b *rollout.Batch, v credit.Values) error {
			maxBatch = max(maxBatch, len(b.Trajectories))
			for _, t := range b.Trajectories {
				t.Advantages = make([]float64, t.Len())
				t.Advantages[t.Len()-1] = t.Rewards["outcome"]
			}
			return nil
		},
	})
}

// Groups spread over the file: indexed mode hands the method one group at
// a time (never the file), in JSONL and Parquet, and the output is the
// whole-batch output in input order.
func TestInterleavedGroupsIndexed(t *testing.T) {
	for _, name := range []string{"verl.grpo", "verl.rloo", "test.stream_max_batch"} {
		for _, ext := range []string{".jsonl", ".parquet", ".jsonl.gz", ".jsonl.zst", ".parquet.gz", ".parquet.zst"} {
			m, v := lookup(t, name)
			dir := t.TempDir()
			in := filepath.Join(dir, "in.jsonl")
			writeLines(t, in, mixedRecords(6, true))
			if ext != ".jsonl" {
				b, _ := format.ReadAll(in)
				in = filepath.Join(dir, "in"+ext)
				writeBatch(t, in, b)
			}
			out := filepath.Join(dir, "out"+ext)
			maxBatch = 0
			st, err := Assign(m, v, nil, in, out)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode != "indexed" {
				t.Errorf("%s %s: mode %q, want indexed", name, ext, st.Mode)
			}
			// JSONL, compressed or not, is read back group by group by
			// byte offset, Parquet by row number (compressed: from a
			// decompressed copy): one group of 3 held at a time, not the
			// 6 groups open at once.
			if st.Held != 3 {
				t.Errorf("%s %s: %d records held at once, want 3 (one group)", name, ext, st.Held)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
			if name == "test.stream_max_batch" && maxBatch != 3 {
				t.Errorf("%s: the method was given %d records at once, want one group of 3", ext, maxBatch)
			}
			got, err := format.ReadAll(out)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := format.ReadAll(in)
			if err := m.Assign(want, v); err != nil {
				t.Fatal(err)
			}
			assertSameCredit(t, got, want)
		}
	}
}

// Contiguous groups are streamed in one pass.
func TestContiguousGroupsOnePass(t *testing.T) {
	m, v := lookup(t, "test.stream_max_batch")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	writeLines(t, in, mixedRecords(6, false))
	maxBatch = 0
	st, err := Assign(m, v, nil, in, filepath.Join(dir, "out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode != "one pass" || maxBatch != 3 {
		t.Errorf("mode %q, largest batch %d; want one pass, 3", st.Mode, maxBatch)
	}
}

func writeBatch(t *testing.T, path string, b *rollout.Batch) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := format.NewWriter(f, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range b.Trajectories {
		if err := w.Write(tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// OpenRLHF's pipeline runs group by group in up to three passes (steps 1-4
// per group, then the whitening mean and variance) and gives the
// whole-batch result bit for bit, for every estimator; with groups spread
// over the file it reads the whole file.
func TestOpenRLHFPipelineMultiPass(t *testing.T) {
	for _, sets := range [][]string{
		{"estimator=gae"}, {"estimator=reinforce", "gamma=0.9"}, {"estimator=reinforce_baseline"},
		{"estimator=rloo"}, {"estimator=group_norm"}, {"estimator=dr_grpo"},
		{"estimator=gae", "no_std_norm=true"}, {"estimator=reinforce", "overlong_buffer_len=3", "max_new_tokens=6", "reward_clip=0.5"},
	} {
		for _, interleave := range []bool{false, true} {
			m, v := lookup(t, "openrlhf.compute_advantages_and_returns", sets...)
			dir := t.TempDir()
			in := filepath.Join(dir, "in.jsonl")
			writeLines(t, in, mixedRecords(5, interleave))
			out := filepath.Join(dir, "out.jsonl")
			st, err := Assign(m, v, nil, in, out)
			if err != nil {
				t.Fatalf("%v: %v", sets, err)
			}
			got, err := format.ReadAll(out)
			if err != nil {
				t.Fatal(err)
			}
			wb, _ := format.ReadAll(in)
			if err := m.Assign(wb, v); err != nil {
				t.Fatal(err)
			}
			assertSameCredit(t, got, wb)
			if interleave && st.Mode != "whole file" || !interleave && st.Mode == "whole file" {
				t.Errorf("%v interleave=%v: mode %q", sets, interleave, st.Mode)
			}
		}
	}
}

// spiral.rae (credit.Method.PerRecord) is streamed one record at a time and
// gives, bit for bit, the whole batch's credit and final state: its EMA
// baseline per (game, role) advances record by record, in input order.
func TestPerRecordSpiralRAE(t *testing.T) {
	src, err := os.ReadFile("../../examples/games-0001.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for k := range 4 { // the games 4 times, ids made unique, so that the EMA moves
		for _, l := range strings.Split(strings.TrimSpace(string(src)), "\n") {
			lines = append(lines, strings.Replace(strings.Replace(l, `"traj_uid": "game-`, fmt.Sprintf(`"traj_uid": "r%d-game-`, k), 1), `"uid": "game-`, fmt.Sprintf(`"uid": "r%d-game-`, k), 1))
		}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "games.jsonl")
	writeLines(t, in, lines)
	m, v := lookup(t, "spiral.rae")
	if !m.PerRecord {
		t.Fatal("spiral.rae should be PerRecord")
	}
	// The state of an earlier call, so that the EMA does not start empty.
	st, want := credit.NewState(), credit.NewState()
	for _, s := range []*credit.State{st, want} {
		b, _ := format.ReadAll("../../examples/games-0001.jsonl")
		if err := m.AssignState(b, v, s); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out.jsonl")
	stats, err := Run(Job{Method: m, Values: v, State: st, In: in, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Mode != "one pass" || stats.Held != 1 {
		t.Errorf("mode %q holding %d records, want one pass holding 1", stats.Mode, stats.Held)
	}
	got, err := format.ReadAll(out)
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := format.ReadAll(in)
	if err := m.AssignState(whole, v, want); err != nil {
		t.Fatal(err)
	}
	assertSameCredit(t, got, whole)
	a, _ := st.Marshal()
	b, _ := want.Marshal()
	if string(a) != string(b) {
		t.Errorf("state after streaming\n%s\nwant (whole batch)\n%s", a, b)
	}
	// The same game gets other credit in a later round: the EMA moved.
	n := len(lines) / 4
	if sameFloats(whole.Trajectories[0].Advantages, whole.Trajectories[3*n].Advantages) {
		t.Error("the test batch does not exercise the EMA")
	}
}

// A group that reappears after megabytes of output were written in one pass
// restarts the run in indexed mode; with several encoding goroutines the
// batches still in flight must not land in the restarted output (they did:
// the output began with records of later groups, or in the middle of one).
func TestRestartAfterParallelWrites(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var lines []string
	for k := range 81 {
		g := k / 4
		if k == 80 {
			g = 0 // back to the first group, after 2-3 MB of output
		}
		var b strings.Builder
		for i := range 1500 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%d", (i*7+k)%50000)
		}
		lines = append(lines, fmt.Sprintf(`{"uid":"g%d","traj_uid":"t%d","responses":[%s],"rewards":{"outcome":%d}}`, g, k, b.String(), (k*5)%3))
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	writeLines(t, in, lines)
	m, v := lookup(t, "verl.grpo")
	for run := range 3 {
		out := filepath.Join(dir, "out.jsonl")
		st, err := Assign(m, v, nil, in, out)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode != "indexed" {
			t.Fatalf("mode %q, want indexed", st.Mode)
		}
		got, err := format.ReadAll(out)
		if err != nil {
			t.Fatalf("run %d: the output does not read back: %v", run, err)
		}
		want, _ := format.ReadAll(in)
		if err := m.Assign(want, v); err != nil {
			t.Fatal(err)
		}
		assertSameCredit(t, got, want)
	}
}

// verl_agent.reinforce_plus_plus_baseline runs in four streaming passes
// (group means, whitening weight and mean, variance, credit) and gives the
// whole batch's credit bit for bit, with and without cross-step statistics,
// also with the groups' records spread over the file.
func TestVerlAgentRFPPBaselineMultiPass(t *testing.T) {
	ex, err := format.ReadAll("../../examples/gigpo.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// The example's group of 3 episodes of 3 steps, made into 4 groups with
	// other outcomes; the third episode of each has 2 steps, so that the
	// group means differ with and without cross-step statistics.
	var recs []*rollout.Trajectory
	for g := range 4 {
		for j, tr := range ex.Trajectories {
			c := *tr
			c.ClearSource()
			c.Group, c.ID = fmt.Sprintf("task-%d", g), fmt.Sprintf("g%d-t%d", g, j)
			c.Rewards = map[string]float64{"outcome": 0.25 * float64((g*5+j*3)%7)}
			if j == 2 {
				c.Steps = c.Steps[:2]
			}
			recs = append(recs, &c)
		}
	}
	dir0 := t.TempDir()
	writeBatch(t, filepath.Join(dir0, "all.jsonl"), &rollout.Batch{Trajectories: recs})
	all, err := os.ReadFile(filepath.Join(dir0, "all.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(all)), "\n")
	spread := make([]string, 0, len(lines))
	for k := 0; k < 3; k++ { // every third record: the groups interleave
		for i := k; i < len(lines); i += 3 {
			spread = append(spread, lines[i])
		}
	}
	for _, sets := range [][]string{nil, {"compute_mean_std_cross_steps=false"}} {
		for name, ls := range map[string][]string{"contiguous": lines, "spread": spread} {
			m, v := lookup(t, "verl_agent.reinforce_plus_plus_baseline", sets...)
			dir := t.TempDir()
			in := filepath.Join(dir, "in.jsonl")
			writeLines(t, in, ls)
			out := filepath.Join(dir, "out.jsonl")
			st, err := Assign(m, v, nil, in, out)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode != "4 passes" || st.Held != 1 {
				t.Errorf("%v %s: mode %q holding %d records, want 4 passes holding 1", sets, name, st.Mode, st.Held)
			}
			got, err := format.ReadAll(out)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := format.ReadAll(in)
			if err := m.Assign(want, v); err != nil {
				t.Fatal(err)
			}
			assertSameCredit(t, got, want)
			nonzero := false
			for _, tr := range want.Trajectories {
				for _, a := range tr.Advantages {
					nonzero = nonzero || a != 0
				}
			}
			if !nonzero {
				t.Errorf("%v %s: all credit is 0: the test shows nothing", sets, name)
			}
		}
	}
}

// PURE (pure.credit_assignment and its corrected profile) runs in three
// streaming passes over contiguous groups, the replay buffer's
// normalisation summed across groups, and gives the whole batch's credit
// bit for bit; groups spread over the file fall back to the whole file.
func TestPUREMultiPass(t *testing.T) {
	ex, err := format.ReadAll("../../examples/pure.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var recs []*rollout.Trajectory
	for g := range 5 {
		for j, tr := range ex.Trajectories {
			c := *tr
			c.ClearSource()
			c.Group, c.ID = fmt.Sprintf("%s-%d", tr.Group, g), fmt.Sprintf("%s-%d", tr.ID, g)
			c.Rewards = map[string]float64{"outcome": float64((g + j) % 2)}
			c.Steps = append([]rollout.Step(nil), tr.Steps...)
			for k := range c.Steps {
				c.Steps[k].Rewards = map[string]float64{"prm": tr.Steps[k].Rewards["prm"] * (1 - 0.3*float64(g)) / (1 + 0.1*float64(j))}
			}
			recs = append(recs, &c)
		}
	}
	dir0 := t.TempDir()
	writeBatch(t, filepath.Join(dir0, "all.jsonl"), &rollout.Batch{Trajectories: recs})
	all, err := os.ReadFile(filepath.Join(dir0, "all.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(all)), "\n")
	spread := append(append([]string(nil), lines[1:]...), lines[0]) // the first group's first record last
	for _, name := range []string{"pure.credit_assignment", "pure.credit_assignment.corrected"} {
		for _, sets := range [][]string{nil, {"reward_baseline=token"}, {"reward_mode=PRM"}, {"reward_mode=VR"}, {"disable_advantage_normalization=true"}} {
			for _, c := range []struct {
				what  string
				lines []string
				mode  string
			}{{"contiguous", lines, "3 passes"}, {"spread", spread, "whole file"}} {
				m, v := lookup(t, name, sets...)
				dir := t.TempDir()
				in := filepath.Join(dir, "in.jsonl")
				writeLines(t, in, c.lines)
				out := filepath.Join(dir, "out.jsonl")
				st, err := Assign(m, v, nil, in, out)
				if err != nil {
					t.Fatalf("%s %v %s: %v", name, sets, c.what, err)
				}
				want := c.mode
				if len(sets) > 0 && sets[0] == "disable_advantage_normalization=true" && c.mode == "3 passes" {
					want = "two passes"
				}
				if st.Mode != want {
					t.Errorf("%s %v %s: mode %q, want %q", name, sets, c.what, st.Mode, want)
				}
				got, err := format.ReadAll(out)
				if err != nil {
					t.Fatal(err)
				}
				whole, _ := format.ReadAll(in)
				if err := m.Assign(whole, v); err != nil {
					t.Fatal(err)
				}
				assertSameCredit(t, got, whole)
			}
		}
	}
	// Unequal groups are refused as on the whole batch.
	m, v := lookup(t, "pure.credit_assignment")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	writeLines(t, in, lines[1:])
	_, err = Assign(m, v, nil, in, filepath.Join(dir, "out.jsonl"))
	if err == nil || !strings.Contains(err.Error(), "every group needs the same number of trajectories") {
		t.Errorf("unequal groups: %v", err)
	}
}
