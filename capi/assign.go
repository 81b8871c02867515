package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format/jsonl"
	"github.com/credo-rl/credo/golden"
	"github.com/credo-rl/credo/rollout"

	_ "github.com/credo-rl/credo/golden/all" // every conformance adapter
	_ "github.com/credo-rl/credo/method/all" // the method catalogue
)

// assignRequest is the JSON header of credo_assign.
type assignRequest struct {
	Method string            `json:"method"`
	Set    map[string]string `json:"set"`   // parameters as the CLI's --set key=value
	State  json.RawMessage   `json:"state"` // {"methods": ...} or null
}

// assignReply is what credo_assign returns on success: a JSON line with the
// state, then the records (JSONL, credo's format).
type assignReply struct {
	Trajectories int             `json:"trajectories"`
	State        json.RawMessage `json:"state,omitempty"`
}

// AssignJSONL runs one catalogue method over records in credo's JSONL
// format, as `credo assign` does, with the method state carried in and out.
func AssignJSONL(req, records []byte) ([]byte, error) {
	var r assignRequest
	if err := json.Unmarshal(req, &r); err != nil {
		return nil, fmt.Errorf("credo: bad request: %v", err)
	}
	m, err := credit.Lookup(r.Method)
	if err != nil {
		return nil, err
	}
	if m.GoAPI != "" {
		return nil, fmt.Errorf("%s assigns no credit: use the Go function %s", m.Name, m.GoAPI)
	}
	sets := make([]string, 0, len(r.Set))
	for k, v := range r.Set {
		sets = append(sets, k+"="+v)
	}
	v, err := m.Parse(sets)
	if err != nil {
		return nil, err
	}
	st := credit.NewState()
	if len(r.State) > 0 && string(r.State) != "null" {
		if err := json.Unmarshal(r.State, st); err != nil {
			return nil, fmt.Errorf("credo: state: %v", err)
		}
		if st.Methods == nil {
			st = credit.NewState()
		}
	}
	b, err := jsonl.ReadAll(bytes.NewReader(records), "records")
	if err != nil {
		return nil, err
	}
	if len(b.Trajectories) == 0 {
		return nil, fmt.Errorf("records: no records")
	}
	if err := m.AssignState(b, v, st); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	rep := assignReply{Trajectories: len(b.Trajectories)}
	if m.Stateful {
		if rep.State, err = st.Marshal(); err != nil {
			return nil, err
		}
		rep.State = compact(rep.State)
	}
	head, _ := json.Marshal(rep)
	out.Write(head)
	out.WriteByte('\n')
	w := jsonl.NewWriter(&out)
	for _, t := range b.Trajectories {
		if err := w.Write(t); err != nil {
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func compact(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

// Methods returns the catalogue as JSON, as `credo methods --format json`,
// plus the drop-in functions credo_call knows.
func Methods() ([]byte, error) {
	return json.Marshal(struct {
		Methods []*credit.Method `json:"methods"`
		DropIns []string         `json:"drop_ins"`
		Format  int              `json:"format_version"`
	}{credit.All(), DropIns(), rollout.FormatVersion})
}

// GoldenCase runs one golden case (the JSON object of one entry of a golden
// file's "cases") through credo's conformance adapter for estimator and
// returns {"outputs": ...} or {"error": "..."} when credo rejects the input.
func GoldenCase(estimator string, kase []byte) ([]byte, error) {
	f, ok := golden.Lookup(estimator)
	if !ok {
		return nil, fmt.Errorf("estimator %q is unknown to credo", estimator)
	}
	var c golden.Case
	if err := json.Unmarshal(kase, &c); err != nil {
		return nil, fmt.Errorf("golden case: %v", err)
	}
	got, err := f(&c)
	if err != nil {
		return json.Marshal(map[string]string{"error": err.Error()})
	}
	return marshalOutputs(got)
}
