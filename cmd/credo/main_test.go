package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-rl/credo/format/jsonl"
	"github.com/credo-rl/credo/rollout"
)

func credo(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func readOut(t *testing.T, path string) []*rollout.Trajectory {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := jsonl.ReadAll(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return b.Trajectories
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6+1e-6*math.Abs(b) }

// TestAssignGRPOExample runs verl.grpo on examples/grpo.jsonl through the
// JSONL path. Hand-computed: group p0 has outcomes 1,0,0,1: mean 1/2,
// unbiased std sqrt(1/3), so A = ±0.5/(0.5773503+1e-6). Group p1 has
// 1,1,1,0: mean 3/4, unbiased variance (3·(1/16)+9/16)/3 = 1/4, std 1/2, so
// A = 0.25/0.500001 for the three ones and -0.75/0.500001 for the zero.
func TestAssignGRPOExample(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.jsonl")
	code, _, stderr := credo(t, "assign", "--method", "verl.grpo", "--in", "../../examples/grpo.jsonl", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s3 := math.Sqrt(1.0 / 3)
	want := map[string]float64{
		"p0/0": 0.5 / (s3 + 1e-6), "p0/1": -0.5 / (s3 + 1e-6), "p0/2": -0.5 / (s3 + 1e-6), "p0/3": 0.5 / (s3 + 1e-6),
		"p1/0": 0.25 / 0.500001, "p1/1": 0.25 / 0.500001, "p1/2": 0.25 / 0.500001, "p1/3": -0.75 / 0.500001,
	}
	trs := readOut(t, out)
	if len(trs) != 8 {
		t.Fatalf("got %d records", len(trs))
	}
	for _, tr := range trs {
		w := want[tr.ID]
		if len(tr.Advantages) != tr.Len() {
			t.Fatalf("%s: %d advantages for %d tokens", tr.ID, len(tr.Advantages), tr.Len())
		}
		for i, a := range tr.Advantages {
			if !near(a, w) {
				t.Errorf("%s token %d: advantage %v, want %v", tr.ID, i, a, w)
			}
		}
		if string(tr.Extra["prompt"]) == "" {
			t.Errorf("%s: the prompt field given by the user was lost", tr.ID)
		}
	}
}

func TestAssignBadInputLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, in, want string
	}{
		{"ragged", `{"uid":"g","responses":[1,2],"response_mask":[1],"rewards":{"outcome":1}}`, "line 1: field response_mask: has 1 values, want 2"},
		{"nan", `{"uid":"g","responses":[1],"token_level_rewards":[NaN]}`, "line 1: non-finite number NaN"},
		{"missing uid", `{"responses":[1],"rewards":{"outcome":1}}`, "line 1: field uid: missing"},
		{"truncated", `{"uid":"g","responses":[1],"rewards":{"outcome":1}}` + "\n" + `{"uid":"g","respo`, "line 2: truncated record"},
		{"missing reward", `{"uid":"g","responses":[1]}`, "needs input token_level_rewards|rewards.<reward>"},
		{"unknown parent", `{"uid":"g","traj_uid":"a","responses":[1],"rewards":{"outcome":1},"parent":{"traj_uid":"b","token":0}}`, "unknown trajectory \"b\""},
		{"empty file", ``, "no trajectories"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := filepath.Join(dir, c.name+".jsonl")
			os.WriteFile(in, []byte(c.in+"\n"), 0o644)
			out := filepath.Join(dir, c.name+"-out.jsonl")
			code, _, stderr := credo(t, "assign", "--method", "verl.grpo", "--in", in, "--out", out)
			if code != 2 {
				t.Errorf("exit code %d, want 2 (stderr %s)", code, stderr)
			}
			if !strings.Contains(stderr, c.want) || !strings.Contains(stderr, in) {
				t.Errorf("stderr %q does not name the file and contain %q", stderr, c.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output file left behind")
			}
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if strings.Contains(e.Name(), ".tmp-") {
					t.Errorf("temporary file %s left behind", e.Name())
				}
			}
		})
	}
}

func TestAssignUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"assign", "--method", "no.such", "--in", "../../examples/grpo.jsonl", "--out", "/tmp/x.jsonl"},
		{"assign", "--method", "verl.grpo", "--set", "nope=1", "--in", "../../examples/grpo.jsonl", "--out", "/tmp/x.jsonl"},
		{"assign", "--method", "verl.grpo", "--set", "epsilon=abc", "--in", "../../examples/grpo.jsonl", "--out", "/tmp/x.jsonl"},
		{"assign", "--method", "verl.grpo"},
		{"assign", "--bogus"},
		{"validate"},
	} {
		code, _, stderr := credo(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}

func TestAssignRefusesToOverwriteInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	data, _ := os.ReadFile("../../examples/grpo.jsonl")
	os.WriteFile(in, data, 0o644)
	code, _, _ := credo(t, "assign", "--method", "verl.grpo", "--in", in, "--out", in)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	after, _ := os.ReadFile(in)
	if !bytes.Equal(after, data) {
		t.Fatal("input was modified")
	}
}

func TestValidate(t *testing.T) {
	code, out, stderr := credo(t, "validate", "../../examples/grpo.jsonl")
	if code != 0 || !strings.Contains(out, "ok, 8 trajectories in 2 groups") {
		t.Fatalf("exit %d, out %q, err %q", code, out, stderr)
	}
}

func TestMethodsJSON(t *testing.T) {
	code, out, _ := credo(t, "methods", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, name := range []string{`"verl.grpo"`, `"arxiv"`, `"reference"`, `"params"`, `"inputs"`} {
		if !strings.Contains(out, name) {
			t.Errorf("methods --format json lacks %s", name)
		}
	}
}
