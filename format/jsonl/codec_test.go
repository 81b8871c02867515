package jsonl

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/credo-rl/credo/rollout"
)

// referenceEncode is the writer credo had before the hand-written encoder:
// encoding/json on rollout.Trajectory, version stamped, unknown fields
// appended in key order. The canonical encoding must give its bytes.
func referenceEncode(t *rollout.Trajectory) ([]byte, error) {
	var buf bytes.Buffer
	c := *t
	c.Version = rollout.FormatVersion
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		return nil, err
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	if len(t.Extra) > 0 {
		b = b[:len(b)-1]
		keys := make([]string, 0, len(t.Extra))
		for k := range t.Extra {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			kb, _ := json.Marshal(k)
			b = append(b, ',')
			b = append(b, kb...)
			b = append(b, ':')
			b = append(b, t.Extra[k]...)
		}
		b = append(b, '}')
	}
	return b, nil
}

func randFloat(r *rand.Rand) float64 {
	switch r.IntN(8) {
	case 0:
		return 0
	case 1:
		return float64(r.IntN(3))
	case 2:
		return -r.Float64() * 20
	case 3:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))
	case 4:
		return math.Float64frombits(r.Uint64()&^(0x7ff<<52) | uint64(r.IntN(2046)+1)<<52)
	case 5:
		return float64(int64(r.Uint64())) / 1e3
	default:
		return r.Float64()
	}
}

func randString(r *rand.Rand) string {
	alpha := []string{"a", "b", "Z", "0", " ", "\"", "\\", "\n", "\t", "\x01", "\x7f", "é", "ж", "😀", "\u2028", "<", "&", "/"}
	var sb strings.Builder
	for range r.IntN(6) {
		sb.WriteString(alpha[r.IntN(len(alpha))])
	}
	return sb.String()
}

func randFloats(r *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = randFloat(r)
	}
	return xs
}

func randMap(r *rand.Rand) map[string]float64 {
	if r.IntN(3) == 0 {
		return nil
	}
	m := map[string]float64{}
	for range r.IntN(3) {
		m[randString(r)] = randFloat(r)
	}
	return m
}

// randTrajectory is a valid trajectory with random contents.
func randTrajectory(r *rand.Rand) *rollout.Trajectory {
	n := r.IntN(6)
	t := &rollout.Trajectory{ID: randString(r), Group: "g" + randString(r), Tokens: make([]int64, n)}
	for i := range t.Tokens {
		t.Tokens[i] = int64(r.Uint64()) >> r.IntN(64)
	}
	if r.IntN(2) == 0 {
		t.Mask = make([]float64, n)
		for i := range t.Mask {
			t.Mask[i] = float64(r.IntN(2))
		}
	}
	if r.IntN(2) == 0 {
		t.OldLogProbs = randFloats(r, n)
	}
	if r.IntN(4) == 0 {
		t.Values = randFloats(r, n)
	}
	t.Rewards = randMap(r)
	if r.IntN(3) == 0 {
		t.Parent = &rollout.Branch{Trajectory: randString(r), Token: r.IntN(n + 1)}
	}
	t.Probe = r.IntN(4) == 0
	if r.IntN(3) == 0 {
		t.Features = map[string]any{"s": randString(r), "x": randFloat(r), "b": r.IntN(2) == 0}
	}
	if r.IntN(3) == 0 {
		t.GroundTruth = randString(r)
	}
	if r.IntN(2) == 0 && n > 0 {
		t.Steps = []rollout.Step{{Start: 0, End: n, Kind: randString(r), Role: randString(r), State: rollout.StateKey(randString(r)), Rewards: randMap(r), Labels: randMap(r)}}
		if r.IntN(2) == 0 {
			p := 0
			t.Steps = append(t.Steps, rollout.Step{Start: 0, End: n / 2, Parent: &p, Observation: randString(r), Values: randMap(r)})
		}
	}
	if r.IntN(3) == 0 {
		t.LogProbs = map[string][]float64{randString(r): randFloats(r, n)}
	}
	if r.IntN(3) == 0 {
		t.Scores = map[string][]float64{"a": randFloats(r, n), "b" + randString(r): randFloats(r, n)}
	}
	if r.IntN(3) == 0 {
		tags := make([]int8, n)
		for i := range tags {
			tags[i] = int8(r.IntN(2))
		}
		t.Tags = map[string][]int8{randString(r): tags}
	}
	if r.IntN(2) == 0 {
		t.Advantages = randFloats(r, n)
		if n > 1 {
			t.Advantages[1] = t.Advantages[0] // a repeated value
		}
	}
	if r.IntN(3) == 0 {
		t.Returns = randFloats(r, n)
	}
	if r.IntN(3) == 0 {
		t.Extra = map[string]json.RawMessage{"prompt": json.RawMessage(`"2+2?"`), "a<b": json.RawMessage(`{"x":[1,2]}`)}
	}
	return t
}

// TestCanonicalMatchesEncodingJSON: a trajectory built in code is written
// as encoding/json wrote it.
func TestCanonicalMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		tr := randTrajectory(r)
		want, err := referenceEncode(tr)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendCanonical(nil, tr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d:\ngot  %s\nwant %s", i, got, want)
		}
		// And it reads back to what encoding/json reads.
		ref, rerr := decodeReflect(want)
		dec, derr := Decode(got)
		if (rerr == nil) != (derr == nil) {
			t.Fatalf("case %d: reference error %v, tokenizer error %v\n%s", i, rerr, derr, got)
		}
		if rerr == nil {
			dec.Source = nil
			if !reflect.DeepEqual(ref, dec) {
				t.Fatalf("case %d: decoded\n%#v\nwant\n%#v", i, dec, ref)
			}
		}
	}
}

func TestCanonicalRejectsNaN(t *testing.T) {
	tr := &rollout.Trajectory{ID: "a", Group: "g", Tokens: []int64{1}, Advantages: []float64{math.NaN()}}
	var out bytes.Buffer
	w := NewWriter(&out)
	err := w.Write(tr)
	if err == nil {
		err = w.Flush()
	}
	if err == nil || !strings.Contains(err.Error(), `trajectory "a": json: unsupported value: NaN`) {
		t.Fatalf("error %v", err)
	}
}

// TestNumbersParseAsStrconv: every number the tokenizer reads is the
// float64 of strconv.ParseFloat (what encoding/json gives).
func TestNumbersParseAsStrconv(t *testing.T) {
	lits := []string{"0", "-0", "1", "-1", "0.1", "1.5e-300", "4.9e-324", "2.2250738585072011e-308", "1.7976931348623157e308",
		"123456789012345678901234567890", "0.30000000000000004", "-0.12345678901234568", "9007199254740993", "1e22", "1e23",
		"1E+5", "0.000001", "1234567.875e-3", "0.1e1", "10000000000000000000000000000000000000000e-40"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		x := randFloat(r)
		lits = append(lits, fmt.Sprint(x), fmt.Sprintf("%.17g", x), fmt.Sprintf("%.3f", x), fmt.Sprintf("%e", x))
	}
	for _, l := range lits {
		var want float64
		if err := json.Unmarshal([]byte(l), &want); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		tr, err := Decode([]byte(`{"uid":"g","responses":[1],"values":[` + l + `]}`))
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		if math.Float64bits(tr.Values[0]) != math.Float64bits(want) {
			t.Fatalf("%s: got %v (%x), want %v (%x)", l, tr.Values[0], math.Float64bits(tr.Values[0]), want, math.Float64bits(want))
		}
	}
}

// TestRawRoundTrip: a record read and written back unchanged is its input
// bytes; outputs are appended, or replaced where the input had them.
func TestRawRoundTrip(t *testing.T) {
	in := "{ \"zeta\" : 1.50, \"responses\":[1, 2 ,3],\"uid\":\"g\",\"rewards\":{\"outcome\":1.0,\"f1\":2E0},\n\t\"note\":\"caf\\u00e9\", \"response_mask\":[1,1,0] }"
	tr, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	write := func(tr *rollout.Trajectory) string {
		b, err := encode(nil, tr)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	if got := write(tr); got != in {
		t.Fatalf("unchanged record:\ngot  %s\nwant %s", got, in)
	}
	tr.Advantages = []float64{0.5, 0.5, 0}
	want := strings.TrimSuffix(in, " }") + `, "advantages":[0.5,0.5,0] }`
	if got := write(tr); got != want {
		t.Fatalf("with advantages:\ngot  %s\nwant %s", got, want)
	}
	// Read the result and assign again: the advantages are replaced in place.
	tr2, err := Decode([]byte(want))
	if err != nil {
		t.Fatal(err)
	}
	tr2.Advantages = []float64{1, 2, 3}
	tr2.Returns = []float64{0.25, 0, -1}
	want2 := strings.TrimSuffix(in, " }") + `, "advantages":[1,2,3], "returns":[0.25,0,-1] }`
	if got := write(tr2); got != want2 {
		t.Fatalf("replaced advantages:\ngot  %s\nwant %s", got, want2)
	}
	// An input field that code replaced is encoded again in its place.
	tr3, _ := Decode([]byte(in))
	tr3.Rewards["outcome"] = 0
	tr3.Mask = []float64{1, 0, 0}
	want3 := strings.Replace(strings.Replace(in, `{"outcome":1.0,"f1":2E0}`, `{"f1":2,"outcome":0}`, 1), "[1,1,0]", "[1,0,0]", 1)
	if got := write(tr3); got != want3 {
		t.Fatalf("changed inputs:\ngot  %s\nwant %s", got, want3)
	}
	// A field that code dropped disappears with its comma.
	tr4, _ := Decode([]byte(in))
	tr4.Rewards = nil
	want4 := strings.Replace(in, ",\"rewards\":{\"outcome\":1.0,\"f1\":2E0}", "", 1)
	if got := write(tr4); got != want4 {
		t.Fatalf("dropped rewards:\ngot  %s\nwant %s", got, want4)
	}
	// ClearSource: canonical form.
	tr5, _ := Decode([]byte(in))
	tr5.ClearSource()
	ref, _ := referenceEncode(tr5)
	if got := write(tr5); got != string(ref) {
		t.Fatalf("cleared source:\ngot  %s\nwant %s", got, ref)
	}
}

// TestRawKeepsStepsUnlessChanged: steps, features and parent are compared
// with what was read; a changed step label is written.
func TestRawKeepsStepsUnlessChanged(t *testing.T) {
	in := `{"uid":"g","responses":[1,2],"steps":[{"start":0,"end":2,"labels":{"ok":1.0},"anchor_obs":[1, 2]}],"features":{"n":3.0},"parent":{"token":0,"traj_uid":"p"}}`
	tr, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := encode(nil, tr)
	if string(got) != in+"\n" {
		t.Fatalf("got %s", got)
	}
	tr.Steps[0].Labels["ok"] = 0 // in place
	got, _ = encode(nil, tr)
	want := `{"uid":"g","responses":[1,2],"steps":[{"start":0,"end":2,"anchor_obs":"[1,2]","labels":{"ok":0}}],"features":{"n":3.0},"parent":{"token":0,"traj_uid":"p"}}` + "\n"
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestStrictRejections(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"duplicate field", `{"uid":"g","responses":[1],"uid":"h"}`, "line 1: field uid: duplicate key"},
		{"duplicate unknown field", `{"uid":"g","responses":[1],"x":1,"x":2}`, "line 1: field x: duplicate key"},
		{"duplicate reward", `{"uid":"g","responses":[1],"rewards":{"outcome":1,"outcome":0}}`, "line 1: field rewards.outcome: duplicate key"},
		{"duplicate step key", `{"uid":"g","responses":[1],"steps":[{"start":0,"end":1,"start":0}]}`, "field steps[0].start: duplicate key"},
		{"duplicate step reward", `{"uid":"g","responses":[1],"steps":[{"start":0,"end":1},{"start":0,"end":1,"rewards":{"a":1,"a":1}}]}`, "field steps[1].rewards.a: duplicate key"},
		{"duplicate parent key", `{"uid":"g","responses":[1],"parent":{"traj_uid":"a","traj_uid":"b"}}`, "field parent.traj_uid: duplicate key"},
		{"duplicate log_probs", `{"uid":"g","responses":[1],"log_probs":{"p":[1],"p":[2]}}`, "field log_probs.p: duplicate key"},
		{"duplicate in anchor", `{"uid":"g","responses":[1],"steps":[{"start":0,"end":1,"anchor_obs":{"a":1,"a":2}}]}`, "field steps[0].anchor_obs.a: duplicate key"},
		// Objects inside fields credo does not know (issue 9: "reject
		// instead of silently changing: duplicate JSON keys").
		{"duplicate in unknown", `{"uid":"g","responses":[1],"extra_info":{"a":1,"a":2}}`, `line 1: field extra_info.a: duplicate key "a"`},
		{"duplicate deep in unknown", `{"uid":"g","responses":[1],"extra_info":{"index":0,"meta":{"k":[0,{"x":1,"y":{},"x":2}]}}}`, `line 1: field extra_info.meta.k[1].x: duplicate key "x"`},
		{"duplicate escaped in unknown", `{"uid":"g","responses":[1],"prompt":[{"role":"user","r\u006fle":"system"}]}`, `field prompt[0].role: duplicate key "role"`},
		{"duplicate among many in unknown", `{"uid":"g","responses":[1],"x":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k3":3}}`, `field x.k3: duplicate key "k3"`},
		{"duplicate ninth in unknown", `{"uid":"g","responses":[1],"x":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k8":9}}`, `field x.k8: duplicate key "k8"`},
		{"bad utf8 deep in unknown", "{\"uid\":\"g\",\"responses\":[1],\"extra_info\":{\"a\":[\"ok\",\"\xff\"]}}", "field extra_info.a[1]: string is not valid UTF-8"},
		{"bad utf8 id", "{\"uid\":\"g\xff\",\"responses\":[1]}", "line 1: field uid: string is not valid UTF-8 (byte 0xff"},
		{"bad utf8 key", "{\"uid\":\"g\",\"responses\":[1],\"rewards\":{\"o\xc3\":1}}", "field rewards: string is not valid UTF-8"},
		{"bad utf8 unknown", "{\"uid\":\"g\",\"responses\":[1],\"prompt\":\"\xed\xa0\x80\"}", "field prompt: string is not valid UTF-8"},
		{"bad utf8 step", "{\"uid\":\"g\",\"responses\":[1],\"steps\":[{\"start\":0,\"end\":1,\"role\":\"\xc0\xaf\"}]}", "field steps[0].role: string is not valid UTF-8"},
		{"lone surrogate", `{"uid":"g\ud800","responses":[1]}`, `field uid: string has an unpaired UTF-16 surrogate escape \ud800`},
		{"bom", "\xef\xbb\xbf{\"uid\":\"g\",\"responses\":[1]}", "line 1: the line starts with a UTF-8 byte-order mark (BOM)"},
		{"case of a field", `{"uid":"g","responses":[1],"Rewards":{"outcome":1}}`, `field Rewards: key "Rewards" differs from the field "rewards" only in case`},
		{"case of a step field", `{"uid":"g","responses":[1],"steps":[{"start":0,"END":1}]}`, `field steps[0].END: key "END" differs`},
		{"null in array", `{"uid":"g","responses":[1,2],"old_log_probs":[0,null]}`, "field old_log_probs[1]: want a number, got null"},
		{"null token", `{"uid":"g","responses":[1,null]}`, "field responses[1]: want an integer, got null"},
		{"null reward", `{"uid":"g","responses":[1],"rewards":{"outcome":null}}`, "field rewards.outcome: want a number, got null"},
		{"null step", `{"uid":"g","responses":[1],"steps":[null]}`, "field steps[0]: want a step object, got null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := decodeReflect([]byte(strings.TrimPrefix(c.in, "\xef\xbb\xbf"))); err != nil && c.name != "bom" {
				t.Logf("(encoding/json rejects it too: %v)", err)
			}
			_, err := ReadAll(strings.NewReader("\n"+c.in+"\n"), "bad.jsonl")
			if err == nil {
				t.Fatalf("accepted %s", c.in)
			}
			want := strings.Replace(c.want, "line 1", "line 2", 1)
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not contain %q", err, want)
			}
			var re *rollout.RecordError
			if !errors.As(err, &re) || re.File != "bad.jsonl" {
				t.Errorf("error is not a RecordError naming the file")
			}
		})
	}
}

// exampleLines are the records shipped with the repository.
func exampleLines(tb testing.TB) [][]byte {
	var out [][]byte
	for _, pat := range []string{"../../examples/*.jsonl", "../../testdata/*/*.jsonl", "../../testdata/*.jsonl"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			for _, l := range bytes.Split(b, []byte("\n")) {
				if len(bytes.TrimSpace(l)) > 0 {
					out = append(out, l)
				}
			}
		}
	}
	if len(out) == 0 {
		tb.Fatal("no example records")
	}
	return out
}

// TestExamplesDecodeAsEncodingJSON: the example records decode to what
// encoding/json decodes, and are written back byte for byte.
func TestExamplesDecodeAsEncodingJSON(t *testing.T) {
	for i, l := range exampleLines(t) {
		ref, err := decodeReflect(bytes.TrimSpace(l))
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		got, err := Decode(l)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		out, err := encode(nil, got)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != string(bytes.TrimSpace(l))+"\n" {
			t.Errorf("record %d written back as\n%s\nwant\n%s", i, out, l)
		}
		got.Source = nil
		if !reflect.DeepEqual(got, ref) {
			t.Errorf("record %d: %#v\nwant %#v", i, got, ref)
		}
	}
}

// bigInput is n records of a few hundred tokens each, with blank lines
// and CRLF line ends here and there.
func bigInput(n int) []byte {
	r := rand.New(rand.NewPCG(5, 6))
	var b bytes.Buffer
	for i := range n {
		tr := randTrajectory(r)
		tr.Group = fmt.Sprintf("g%d", i/8)
		tr.ID = fmt.Sprintf("t%d", i)
		tr.Parent = nil
		k := 300
		tr.Tokens = make([]int64, k)
		tr.Mask, tr.OldLogProbs, tr.Values, tr.Advantages, tr.Returns = nil, randFloats(r, k), nil, nil, nil
		tr.Steps, tr.LogProbs, tr.Scores, tr.Tags = nil, nil, nil, nil
		line, _ := referenceEncode(tr)
		b.Write(line)
		switch i % 7 {
		case 0:
			b.WriteString("\r\n")
		case 1:
			b.WriteString("\n\n  \n")
		default:
			b.WriteString("\n")
		}
	}
	return b.Bytes()
}

// TestParallelReaderOrderAndOffsets reads several blocks' worth of
// records in parallel: same records as a one-goroutine read, in input
// order, and each record's offset and length point at its line.
func TestParallelReaderOrderAndOffsets(t *testing.T) {
	in := bigInput(600)
	if len(in) < 3*chunkBytes {
		t.Fatalf("input of %d bytes is too small to span blocks", len(in))
	}
	read := func(procs int) []*rollout.Trajectory {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		rd := NewReader(bytes.NewReader(in), "big.jsonl")
		defer rd.Close()
		var ts []*rollout.Trajectory
		for {
			tr, err := rd.Next()
			if err == io.EOF {
				return ts
			}
			if err != nil {
				t.Fatal(err)
			}
			line, off, n, ok := Position(tr)
			if !ok || line != rd.Line() || off != rd.Offset() {
				t.Fatalf("position %d %d %v, reader says line %d offset %d", line, off, ok, rd.Line(), rd.Offset())
			}
			if !bytes.Equal(in[off:off+int64(n)], Raw(tr)) {
				t.Fatalf("record at offset %d is not the input's bytes there", off)
			}
			again, err := DecodeAt(in[off:off+int64(n)], line)
			if err != nil || again.ID != tr.ID {
				t.Fatalf("DecodeAt: %v", err)
			}
			ts = append(ts, tr)
		}
	}
	one, four := read(1), read(4)
	if len(one) != 600 || len(four) != 600 {
		t.Fatalf("read %d and %d records, want 600", len(one), len(four))
	}
	lines := bytes.Split(in, []byte("\n"))
	for i := range one {
		if one[i].ID != fmt.Sprintf("t%d", i) || four[i].ID != one[i].ID {
			t.Fatalf("record %d: ids %q and %q", i, one[i].ID, four[i].ID)
		}
		l, _, _, _ := Position(four[i])
		if string(bytes.TrimSpace(lines[l-1])) != string(Raw(four[i])) {
			t.Fatalf("record %d: line %d does not hold it", i, l)
		}
	}
	// Written back in parallel: the input without its blank lines and CRs.
	for _, procs := range []int{1, 4} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			var out bytes.Buffer
			w := NewWriter(&out)
			for _, tr := range four {
				if err := w.Write(tr); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			for _, l := range lines {
				if l = bytes.TrimSpace(l); len(l) > 0 {
					want.Write(l)
					want.WriteByte('\n')
				}
			}
			if !bytes.Equal(out.Bytes(), want.Bytes()) {
				t.Fatalf("GOMAXPROCS=%d: written file differs from the input's records", procs)
			}
		}()
	}
}

// TestParallelReaderErrorLine: a bad record deep in the file is reported
// with its line, also when blocks are parsed ahead.
func TestParallelReaderErrorLine(t *testing.T) {
	in := bigInput(600)
	lines := bytes.Split(in, []byte("\n"))
	bad := 500
	for lines[bad-1] == nil || len(bytes.TrimSpace(lines[bad-1])) == 0 {
		bad++
	}
	lines[bad-1] = []byte(`{"uid":"g","responses":[1],"values":[1,2]}`)
	in = bytes.Join(lines, []byte("\n"))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	_, err := ReadAll(bytes.NewReader(in), "f.jsonl")
	want := fmt.Sprintf("f.jsonl: line %d: field values: has 2 values, want 1", bad)
	if err == nil || err.Error() != want+" (one per token of responses)" {
		t.Fatalf("error %v, want %s", err, want)
	}
}

// TestFastFloatAsStrconv checks the exact division path on the decimals it
// takes: up to 19 significant digits, up to 19 after the point, halfway
// cases included.
func TestFastFloatAsStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	check := func(s string) {
		// Alone, and followed by more of an array (the digits are then
		// read 8 bytes at a time up to the end).
		for _, b := range []string{s, s + ", 1, 2, 3]", s + "]"} {
			f, end, ok := fastFloat([]byte(b), 0)
			if !ok {
				continue
			}
			want, err := strconv.ParseFloat(s, 64)
			if err != nil || end != len(s) || math.Float64bits(f) != math.Float64bits(want) {
				t.Fatalf("%s: got %v (%x) end %d, want %v (%x)", b, f, math.Float64bits(f), end, want, math.Float64bits(want))
			}
		}
	}
	for range 60000 {
		// Random digit strings.
		ip := strconv.FormatUint(r.Uint64()>>r.IntN(64), 10)
		if r.IntN(2) == 0 {
			ip = "0"
		}
		fd := r.IntN(20)
		frac := make([]byte, fd)
		for j := range frac {
			frac[j] = byte('0' + r.IntN(10))
		}
		s := ip
		if fd > 0 {
			s += "." + string(frac)
		}
		check(s)
		check("-" + s)
		// Shortest and 17-digit forms of random doubles.
		x := r.Float64() * math.Pow(10, float64(r.IntN(12)-6))
		check(strconv.FormatFloat(x, 'f', -1, 64))
		check(strconv.FormatFloat(x, 'f', 17, 64))
		// Halfway between two doubles: exactly representable as a decimal
		// only with many digits; truncated to 19 they test the sticky bit.
		lo := math.Float64frombits(math.Float64bits(x) &^ 1)
		hi := math.Nextafter(lo, 2)
		mid := new(big.Float).SetPrec(200).Add(big.NewFloat(lo).SetPrec(200), big.NewFloat(hi).SetPrec(200))
		mid.Quo(mid, big.NewFloat(2))
		check(mid.Text('f', 19))
	}
}

func TestFastFloatExponents(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 50000 {
		x := r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20))
		for _, s := range []string{strconv.FormatFloat(x, 'g', -1, 64), strconv.FormatFloat(x, 'e', r.IntN(19), 64),
			strconv.FormatFloat(x, 'E', -1, 64), fmt.Sprintf("%de%d", r.IntN(1000), r.IntN(60)-30), "0e5", "0.0e-400", "1e0", "5E+22"} {
			for _, b := range []string{s, s + ", 1, 2, 3]"} {
				f, end, ok := fastFloat([]byte(b), 0)
				if !ok {
					continue
				}
				want, err := strconv.ParseFloat(s, 64)
				if err != nil || end != len(s) || math.Float64bits(f) != math.Float64bits(want) {
					t.Fatalf("%s: got %v end %d, want %v", b, f, end, want)
				}
			}
		}
	}
}

// TestDivPow10 compares the reciprocal estimate and the exact division
// with strconv on random 64-bit mantissas, small and large.
func TestDivPow10(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 200000 {
		m := r.Uint64() >> r.IntN(64)
		if m == 0 {
			continue
		}
		if r.IntN(4) == 0 { // mantissas next to a power of two or of five
			m = pow5[r.IntN(28)]<<r.IntN(3) + uint64(r.IntN(5)) - 2
			if m == 0 || m > math.MaxUint64/8 {
				continue
			}
		}
		k := r.IntN(28)
		want, err := strconv.ParseFloat(strconv.FormatUint(m, 10)+"e-"+strconv.Itoa(k), 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := divPow10(m, k); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%de-%d: got %v, want %v", m, k, got, want)
		}
	}
}

func TestLeadingDigits(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for range 50000 {
		var b [8]byte
		for j := range b {
			b[j] = byte(r.IntN(256))
			if r.IntN(3) > 0 {
				b[j] = byte('0' + r.IntN(10))
			}
		}
		want := 0
		for want < 8 && b[want] >= '0' && b[want] <= '9' {
			want++
		}
		w := binary.LittleEndian.Uint64(b[:])
		if got := leadingDigits(w); got != want {
			t.Fatalf("%q: %d leading digits, want %d", b, got, want)
		}
		if want < 8 {
			v := parseEight(w<<(8*(8-want)) | 0x3030303030303030>>(8*want))
			n, _ := strconv.ParseUint(string(b[:want]), 10, 64)
			if want > 0 && v != n {
				t.Fatalf("%q: value %d, want %d", b, v, n)
			}
		}
	}
}

// TestRawWriteFollowsChanges: records read from JSONL, changed by code
// (fields replaced, cleared, added, maps and steps edited in place), then
// written and read again, equal the changed trajectories (compared in
// canonical form).
func TestRawWriteFollowsChanges(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for i := range 3000 {
		orig := randTrajectory(r)
		line, err := referenceEncode(orig)
		if err != nil {
			t.Fatal(err)
		}
		if orig.Validate() != nil {
			continue // randTrajectory may draw an empty parent id
		}
		tr, err := Decode(line)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, line)
		}
		n := len(tr.Tokens)
		for range r.IntN(4) {
			switch r.IntN(12) {
			case 0:
				tr.Advantages = randFloats(r, n)
			case 1:
				tr.Returns = randFloats(r, n)
			case 2:
				tr.Mask = nil
			case 3:
				tr.OldLogProbs = randFloats(r, n)
			case 4:
				if tr.Rewards != nil {
					tr.Rewards["outcome"] = randFloat(r) // in place
				} else {
					tr.Rewards = map[string]float64{"x": 1}
				}
			case 5:
				tr.ID = "changed"
			case 6:
				if len(tr.Steps) > 0 {
					if tr.Steps[0].Labels == nil {
						tr.Steps[0].Labels = map[string]float64{}
					}
					tr.Steps[0].Labels["wrong_step"] = 1 // in place
				}
			case 7:
				tr.Features = nil
			case 8:
				if n > 0 {
					tr.TokenRewards = randFloats(r, n)
				}
			case 9:
				tr.Scores = map[string][]float64{"entropy": randFloats(r, n)}
			case 10:
				tr.Probe = !tr.Probe
			case 11:
				tr.Parent = &rollout.Branch{Trajectory: "p", Token: 0}
			}
		}
		out, err := encode(nil, tr)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(out)
		if err != nil {
			t.Fatalf("case %d: written record does not read back: %v\n%s", i, err, out)
		}
		tr.ClearSource()
		back.ClearSource()
		want, _ := appendCanonical(nil, tr)
		got, _ := appendCanonical(nil, back)
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d:\nwritten %s\nreads back as %s\nwant %s", i, out, got, want)
		}
	}
}
