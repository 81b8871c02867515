package jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/credo-rl/credo/rollout"
)

func TestRoundTripKeepsUnknownFields(t *testing.T) {
	in := `{"uid":"p0","traj_uid":"a","responses":[1,2,3],"response_mask":[1,1,0],"rewards":{"outcome":1},"my_field":{"x":[1,2]},"prompt":"2+2?"}
{"uid":"p0","responses":[4],"steps":[{"start":0,"end":1,"anchor_obs":[1,2]}]}
`
	b, err := ReadAll(strings.NewReader(in), "in.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Trajectories) != 2 {
		t.Fatalf("got %d trajectories", len(b.Trajectories))
	}
	if got := b.Trajectories[1].ID; got != "line-2" {
		t.Errorf("default id = %q, want line-2", got)
	}
	if got := b.Trajectories[1].Steps[0].State; got != "[1,2]" {
		t.Errorf("anchor_obs = %q, want canonical [1,2]", got)
	}
	var out bytes.Buffer
	w := NewWriter(&out)
	for _, tr := range b.Trajectories {
		if err := w.Write(tr); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if out.String() != in {
		t.Errorf("records read and written back unchanged differ from the input:\n%s\nwant\n%s", out.String(), in)
	}
	again, err := ReadAll(strings.NewReader(out.String()), "out.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if string(again.Trajectories[0].Extra["prompt"]) != `"2+2?"` {
		t.Errorf("extra field lost on second round trip")
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"ragged mask", `{"uid":"g","responses":[1,2],"response_mask":[1]}`, "line 1: field response_mask: has 1 values, want 2"},
		{"ragged rewards", `{"uid":"g","responses":[1,2],"token_level_rewards":[0,0,1]}`, "field token_level_rewards: has 3 values, want 2"},
		{"nan literal", `{"uid":"g","responses":[1],"old_log_probs":[NaN]}`, "non-finite number NaN"},
		{"infinity literal", `{"uid":"g","responses":[1],"values":[Infinity]}`, "non-finite number Infinity"},
		{"missing uid", `{"responses":[1]}`, "field uid: missing"},
		{"empty uid", `{"uid":"","responses":[1]}`, "field uid: missing"},
		{"missing responses", `{"uid":"g"}`, "field responses: missing"},
		{"truncated", `{"uid":"g","responses":[1,2`, "truncated record"},
		{"wrong type", `{"uid":"g","responses":"abc"}`, "field responses: want []int64"},
		{"bad step", `{"uid":"g","responses":[1,2],"steps":[{"start":1,"end":5}]}`, "field steps[0]: span [1, 5) is not inside the 2 tokens"},
		{"negative mask", `{"uid":"g","responses":[1],"response_mask":[-1]}`, "response_mask[0]: want a weight >= 0"},
		{"bad tag", `{"uid":"g","responses":[1],"token_tags":{"planning":[2]}}`, "token_tags.planning[0]: want 0 or 1"},
		{"duplicate id", `{"uid":"g","traj_uid":"a","responses":[1]}` + "\n" + `{"uid":"g","traj_uid":"a","responses":[1]}`, "duplicate id \"a\""},
		{"unknown parent", `{"uid":"g","traj_uid":"a","responses":[1],"parent":{"traj_uid":"zz","token":0}}`, "unknown trajectory \"zz\""},
		{"newer version", `{"credo_version":9,"uid":"g","responses":[1]}`, "newer than this credo"},
		{"not an object", `[1,2]`, "want"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadAll(strings.NewReader(c.in+"\n"), "bad.jsonl")
			if err == nil {
				t.Fatalf("accepted %s", c.in)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "bad.jsonl: ") {
				t.Errorf("error %q does not name the file", err)
			}
			var re *rollout.RecordError
			if !errors.As(err, &re) {
				t.Errorf("error is not a RecordError")
			}
		})
	}
}

// FuzzDecode checks the tokenizer against encoding/json (decodeReflect):
// where both accept, the same trajectory; where only encoding/json
// accepts, one of the checks it does not make (repeated keys, UTF-8,
// surrogates, case of keys, nulls) rejected it. And writes: a record read
// and written back is its input; with advantages added it reads back to
// the same trajectory with those advantages; the canonical form is
// encoding/json's.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"uid":"p0","traj_uid":"a","responses":[1,2,3],"response_mask":[1,1,0],"rewards":{"outcome":1}}`))
	f.Add([]byte(`{"uid":"g","responses":[1,2],"steps":[{"start":0,"end":2,"anchor_obs":"s","rewards":{"reward":1}}],"token_tags":{"p":[0,1]}}`))
	f.Add([]byte(`{"uid":"g","responses":[1],"old_log_probs":[NaN]}`))
	f.Add([]byte(`{"uid":"g","responses":[1],"uid":"h","rewards":{"a":1,"a":2}}`))
	f.Add([]byte("{\"uid\":\"g\xff\",\"responses\":[1],\"x\":\"\\ud800\"}"))
	f.Add([]byte("\xef\xbb\xbf{\"uid\":\"g\",\"responses\":[]}"))
	f.Add([]byte(`{"UID":"g","responses":[1e0,-0.5],"values":[1.5e-7, 0.12345678901234567],"advantages":[0,1]}`))
	f.Add([]byte(` { "uid" : "g" , "responses" : [ 1 ] , "steps" : [ { "start" : 0 , "end" : 1 , "anchor_obs" : { "b" : [1, "x"], "a" : null } } ] , "features" : { "n" : 2 , "s" : "x" , "o" : {} } } `))
	for _, l := range exampleLines(f) {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Decode(b)
		ref, rerr := decodeReflect(bytes.TrimSpace(b))
		if err != nil {
			if rerr == nil {
				var p parser
				p.parse(bytes.TrimSpace(b), new(rollout.Trajectory))
				if p.err == nil || !p.err.strict {
					t.Fatalf("encoding/json accepts what the tokenizer rejects: %v\n%q", err, b)
				}
			}
			return
		}
		if rerr != nil {
			t.Fatalf("the tokenizer accepts what encoding/json rejects (%v):\n%q", rerr, b)
		}
		if err := tr.Validate(); err != nil {
			t.Fatalf("Decode returned an invalid trajectory: %v", err)
		}
		if k, dup := repeatedKey(bytes.TrimSpace(b)); dup {
			t.Fatalf("Decode accepted a repeated key %q:\n%q", k, b)
		}
		c := *tr
		c.Source = nil
		if !reflect.DeepEqual(&c, ref) {
			t.Fatalf("decoded\n%#v\nencoding/json\n%#v", &c, ref)
		}
		in := bytes.TrimSpace(b)
		out, err := encode(nil, tr)
		if err != nil {
			t.Fatalf("write: %v", err)
		}
		if tr.Advantages == nil && tr.Returns == nil && tr.LossWeights == nil && string(out) != string(in)+"\n" {
			t.Fatalf("written back as\n%s\nwant\n%s", out, in)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("re-reading written record: %v\n%s", err, out)
		}
		again.Source = nil
		if !reflect.DeepEqual(again, &c) {
			t.Fatalf("written and read again:\n%#v\nwant\n%#v", again, &c)
		}
		// With advantages.
		tr.Advantages = make([]float64, len(tr.Tokens))
		for i := range tr.Advantages {
			tr.Advantages[i] = float64(i%11/4) / 3 // runs of 4, 4 and 3 values
		}
		out, err = encode(nil, tr)
		if err != nil {
			t.Fatalf("write: %v", err)
		}
		again, err = Decode(out)
		if err != nil {
			t.Fatalf("re-reading written record: %v\n%s", err, out)
		}
		again.Source = nil
		c.Advantages = tr.Advantages
		if len(c.Advantages) == 0 {
			c.Advantages = nil // omitted when empty
		}
		if !reflect.DeepEqual(again, &c) {
			t.Fatalf("with advantages, written and read again:\n%#v\nwant\n%#v", again, &c)
		}
		// Canonical form.
		tr.ClearSource()
		want, err := referenceEncode(tr)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendCanonical(nil, tr)
		if err != nil || string(got) != string(want) {
			t.Fatalf("canonical\n%s\nwant\n%s", got, want)
		}
	})
}

// repeatedKey walks a JSON value with encoding/json's tokenizer (an
// oracle independent of the parser under test) and reports a key that an
// object repeats, anywhere in the value.
func repeatedKey(b []byte) (string, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	type obj struct {
		keys map[string]bool
		key  bool // the next string token is a key
	}
	var stack []*obj
	for {
		tok, err := d.Token()
		if err != nil {
			return "", false
		}
		var top *obj
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				if top != nil {
					top.key = true
				}
				stack = append(stack, &obj{keys: map[string]bool{}, key: true})
				continue
			case '[':
				if top != nil {
					top.key = true
				}
				stack = append(stack, &obj{})
				continue
			default:
				stack = stack[:len(stack)-1]
				continue
			}
		case string:
			if top != nil && top.keys != nil && top.key {
				if top.keys[v] {
					return v, true
				}
				top.keys[v] = true
				top.key = false
				continue
			}
		}
		if top != nil && top.keys != nil {
			top.key = true
		}
	}
}

func TestRepeatedKeyOracle(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1,"b":{"a":2},"c":[{"x":1},{"x":2}]}`: "",
		`{"a":1,"b":{"a":2,"a":3}}`:                 "a",
		`{"a":[1,{"y":"k","y":"v"}]}`:               "y",
		`{"a":"b","b":"a","a":0}`:                   "a",
	} {
		k, dup := repeatedKey([]byte(in))
		if dup != (want != "") || k != want {
			t.Errorf("%s: repeated %q %v, want %q", in, k, dup, want)
		}
	}
}
