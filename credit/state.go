package credit

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
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
