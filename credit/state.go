package credit

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/credo-rl/credo/rollout"
)

// State is method state carried across calls of stateful methods: SPIRAL's
// EMA baseline per role, Knapsack RL's per-prompt success estimates, an
// annealing step counter. It is a set of named JSON values per method, so
// that a run can save it with its checkpoint and restore it exactly.
type State struct {
	// Methods maps a method name to its values.
	Methods map[string]map[string]json.RawMessage `json:"methods"`
	scope   string
	root    *State
}

// NewState returns empty state.
func NewState() *State {
	s := &State{Methods: map[string]map[string]json.RawMessage{}}
	s.root = s
	return s
}

// For returns the view of the state that belongs to one method.
func (s *State) For(method string) *State {
	r := s.root
	if r == nil {
		r = s
	}
	return &State{Methods: r.Methods, scope: method, root: r}
}

// Get decodes the value stored under key into v; it reports false when
// there is none.
func (s *State) Get(key string, v any) (bool, error) {
	raw, ok := s.Methods[s.scope][key]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("state of %s, key %q: %w", s.scope, key, err)
	}
	return true, nil
}

// Put stores v under key.
func (s *State) Put(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("state of %s, key %q: %w", s.scope, key, err)
	}
	m := s.Methods[s.scope]
	if m == nil {
		m = map[string]json.RawMessage{}
		s.Methods[s.scope] = m
	}
	m[key] = b
	return nil
}

// Keys lists the keys stored for the method.
func (s *State) Keys() []string {
	var ks []string
	for k := range s.Methods[s.scope] {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// LoadState reads state saved by SaveState; a missing file is empty state.
func LoadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return NewState(), nil
	}
	if err != nil {
		return nil, err
	}
	s := NewState()
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	if s.Methods == nil {
		s.Methods = map[string]map[string]json.RawMessage{}
	}
	return s, nil
}

// Marshal renders the state as indented JSON.
func (s *State) Marshal() ([]byte, error) {
	r := s.root
	if r == nil {
		r = s
	}
	return json.MarshalIndent(struct {
		Methods map[string]map[string]json.RawMessage `json:"methods"`
	}{r.Methods}, "", "  ")
}

// Step is one call of a stateful method (one training step) run in pieces,
// so that a file can be streamed group by group and still advance the state
// exactly once. Group assigns credit to one or more complete groups; every
// Group of a step reads the state as it was when the step began, and
// contributes what it observed. End writes the state change of the whole
// call. A step that failed is abandoned without End: the state is then left
// as it was.
//
// Method.AssignState on a whole batch is Begin, one Group with the whole
// batch, End; a streamed run must give the same credit and the same state
// whatever the split into groups.
type Step interface {
	Group(b *rollout.Batch) error
	End() error
}

// stepRunner checks the inputs of each group and names the method in
// errors, as AssignState does.
type stepRunner struct {
	m     *Method
	v     Values
	inner Step
}

func (s *stepRunner) Group(b *rollout.Batch) error {
	if err := s.m.Check(b, s.v); err != nil {
		return err
	}
	if err := s.inner.Group(b); err != nil {
		return fmt.Errorf("method %s: %w", s.m.Name, err)
	}
	return nil
}

func (s *stepRunner) End() error {
	if err := s.inner.End(); err != nil {
		return fmt.Errorf("method %s: %w", s.m.Name, err)
	}
	return nil
}

type statelessStep struct {
	m *Method
	v Values
}

func (s statelessStep) Group(b *rollout.Batch) error { return s.m.AssignState(b, s.v, nil) }
func (s statelessStep) End() error                   { return nil }

// Streamable reports whether the method can be run group by group with
// Begin under the values v: group scope, and either stateless or with a
// Steps implementation.
func (m *Method) Streamable(v Values) bool {
	if m.GoAPI != "" || m.ScopeFor(v) != ScopeGroup {
		return false
	}
	return m.RunState == nil || m.Steps != nil
}

// Begin starts one call of the method to be fed group by group (see Step).
// st is the state carried across calls (nil = fresh, discarded). It fails
// for a stateful method that has no Steps: run it on the whole batch with
// AssignState instead.
func (m *Method) Begin(v Values, st *State) (Step, error) {
	if m.GoAPI != "" {
		return nil, fmt.Errorf("%s assigns no credit: it is the Go function %s (%s)", m.Name, m.GoAPI, m.Summary)
	}
	v = m.complete(v)
	if m.RunState == nil {
		return statelessStep{m, v}, nil
	}
	if m.Steps == nil {
		return nil, fmt.Errorf("method %s: its state cannot be advanced group by group; assign the whole batch", m.Name)
	}
	if st == nil {
		st = NewState()
	}
	inner, err := m.Steps(v, st.For(m.Name))
	if err != nil {
		return nil, fmt.Errorf("method %s: %w", m.Name, err)
	}
	return &stepRunner{m: m, v: v, inner: inner}, nil
}

// wholeStep runs a Steps implementation on one whole batch: the RunState of
// methods that declare Steps.
func wholeStep(steps func(Values, *State) (Step, error)) func(*rollout.Batch, Values, *State) error {
	return func(b *rollout.Batch, v Values, st *State) error {
		s, err := steps(v, st)
		if err != nil {
			return err
		}
		if err := s.Group(b); err != nil {
			return err
		}
		return s.End()
	}
}
