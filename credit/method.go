package credit

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/credo-rl/credo/rollout"
)

// ParamKind is the type of a method parameter.
type ParamKind string

// Parameter kinds.
const (
	Float  ParamKind = "float"
	Int    ParamKind = "int"
	Bool   ParamKind = "bool"
	String ParamKind = "string"
)

// Param describes one hyper-parameter of a method.
type Param struct {
	Name    string    `json:"name"`
	Kind    ParamKind `json:"kind"`
	Default any       `json:"default"`
	Choices []string  `json:"choices,omitempty"`
	Doc     string    `json:"doc"`
}

// Provenance says where a method comes from.
type Provenance struct {
	Paper string `json:"paper"`
	ArXiv string `json:"arxiv,omitempty"`
	// Reference is the reference implementation, "owner/repo@commit path::function".
	Reference string `json:"reference,omitempty"`
	// SpecRow is the method's row in shared/spec/methods.md §1 (0 = none).
	SpecRow int `json:"spec_row,omitempty"`
}

// Input is something a method reads from the rollouts.
type Input struct {
	Name string `json:"name"`
	Doc  string `json:"doc"`
	// Has reports whether a trajectory provides the input under the given
	// parameter values. Nil means every valid trajectory has it.
	Has func(t *rollout.Trajectory, v Values) bool `json:"-"`
}

// Scope says how far a method's statistics reach.
type Scope string

// Scopes.
const (
	// ScopeGroup methods only compare trajectories of the same group, so a
	// stream can be processed group by group.
	ScopeGroup Scope = "group"
	// ScopeBatch methods use batch-wide statistics (whitening, global means).
	ScopeBatch Scope = "batch"
)

// Method is one credit-assignment method.
type Method struct {
	Name    string   `json:"name"`
	Summary string   `json:"summary"`
	Params  []Param  `json:"params"`
	Inputs  []Input  `json:"inputs"`
	Outputs []string `json:"outputs"`
	Scope   Scope    `json:"scope"`
	// ScopeOf, when set, gives the scope under particular parameter values
	// (a stage takes its base method's scope; a scope parameter widens it).
	ScopeOf    func(v Values) Scope `json:"-"`
	Provenance Provenance           `json:"provenance"`
	// Notes records quirks of the reference that are reproduced, and how a
	// corrected variant differs.
	Notes string `json:"notes,omitempty"`
	// GoAPI, when set, marks an entry that assigns no credit: a Go function
	// of the catalogue (an allocator, a configuration chooser, a value mixer)
	// listed so that `credo methods` covers every catalogued method. It names
	// the function, e.g. "method/group.BStarChoose".
	GoAPI string `json:"go_api,omitempty"`
	// Stateful methods carry state across calls (an EMA baseline per role,
	// per-prompt success estimates, an annealing schedule).
	Stateful bool `json:"stateful,omitempty"`

	// Run assigns credit for a stateless method.
	Run func(b *rollout.Batch, v Values) error `json:"-"`
	// RunState assigns credit for a stateful method; st is never nil.
	RunState func(b *rollout.Batch, v Values, st *State) error `json:"-"`
	// Steps, for a stateful group-scope method, starts one call to be run
	// group by group (see Step): the state advances once per call however
	// the batch is split. A method that sets Steps leaves RunState nil;
	// Register derives RunState from it. Stateful methods without Steps are
	// always given the whole batch.
	Steps func(v Values, st *State) (Step, error) `json:"-"`
	// Sums, for a batch-scope method whose batch statistics are sums over
	// the trajectories (whitening), is its two-pass form (see SumPass):
	// credo assign then reads a file twice instead of holding it.
	Sums func(v Values) (SumPass, error) `json:"-"`
}

// ScopeFor is the method's scope under the parameter values v.
func (m *Method) ScopeFor(v Values) Scope {
	if m.ScopeOf != nil {
		if v == nil {
			v = m.Defaults()
		}
		return m.ScopeOf(v)
	}
	return m.Scope
}

// BaseScope returns a ScopeOf for stage methods whose parameter param names
// the base method: the base's scope under the base's defaults, overridden by
// the comma-separated key=value list in parameter paramsParam when that is
// not empty. An unknown base or unparsable parameters give ScopeBatch (the
// run then fails with the proper error).
func BaseScope(param, paramsParam string) func(Values) Scope {
	return func(v Values) Scope {
		b, err := Lookup(v.String(param))
		if err != nil {
			return ScopeBatch
		}
		var sets []string
		if paramsParam != "" {
			for _, kv := range strings.Split(v.String(paramsParam), ",") {
				if kv = strings.TrimSpace(kv); kv != "" {
					sets = append(sets, kv)
				}
			}
		}
		bv, err := b.Parse(sets)
		if err != nil {
			return ScopeBatch
		}
		return b.ScopeFor(bv)
	}
}

// Values are a method's resolved parameter values.
type Values map[string]any

// Float returns a float parameter.
func (v Values) Float(name string) float64 { f, _ := v[name].(float64); return f }

// Int returns an integer parameter.
func (v Values) Int(name string) int { i, _ := v[name].(int); return i }

// Bool returns a boolean parameter.
func (v Values) Bool(name string) bool { b, _ := v[name].(bool); return b }

// String returns a string parameter.
func (v Values) String(name string) string { s, _ := v[name].(string); return s }

var (
	mu      sync.RWMutex
	methods = map[string]*Method{}
)

// Register adds m to the registry; it panics on a duplicate name.
func Register(m *Method) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := methods[m.Name]; dup {
		panic("credit: method registered twice: " + m.Name)
	}
	if m.Steps != nil {
		if m.RunState != nil {
			panic("credit: a method with Steps has no RunState of its own: " + m.Name)
		}
		m.RunState = wholeStep(m.Steps)
	}
	if m.GoAPI != "" {
		if m.Run != nil || m.RunState != nil {
			panic("credit: a Go API entry has no Run: " + m.Name)
		}
	} else if (m.Run == nil) == (m.RunState == nil) {
		panic("credit: method needs exactly one of Run and RunState: " + m.Name)
	}
	m.Stateful = m.RunState != nil
	methods[m.Name] = m
}

// All lists the registered methods by name.
func All() []*Method {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]*Method, 0, len(methods))
	for _, m := range methods {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup finds a method by name; the error lists close names.
func Lookup(name string) (*Method, error) {
	mu.RLock()
	m, ok := methods[name]
	mu.RUnlock()
	if ok {
		return m, nil
	}
	var near []string
	for _, x := range All() {
		if strings.Contains(x.Name, name) || strings.Contains(name, x.Name) ||
			strings.HasSuffix(x.Name, "."+name) {
			near = append(near, x.Name)
		}
	}
	msg := fmt.Sprintf("unknown method %q", name)
	if len(near) > 0 {
		msg += "; did you mean " + strings.Join(near, ", ")
	}
	return nil, fmt.Errorf("%s (credo methods lists them all)", msg)
}

// Defaults returns the default parameter values.
func (m *Method) Defaults() Values {
	v := Values{}
	for _, p := range m.Params {
		v[p.Name] = p.Default
	}
	return v
}

// Parse resolves "key=value" settings over the defaults.
func (m *Method) Parse(sets []string) (Values, error) {
	v := m.Defaults()
	for _, s := range sets {
		k, val, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("--set %q: want key=value", s)
		}
		k = strings.TrimSpace(k)
		if err := m.Set(v, k, strings.TrimSpace(val)); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Set parses one parameter value into v.
func (m *Method) Set(v Values, key, val string) error {
	var p *Param
	for i := range m.Params {
		if m.Params[i].Name == key {
			p = &m.Params[i]
		}
	}
	if p == nil {
		names := make([]string, len(m.Params))
		for i, q := range m.Params {
			names[i] = q.Name
		}
		return fmt.Errorf("method %s has no parameter %q (parameters: %s)", m.Name, key, strings.Join(names, ", "))
	}
	switch p.Kind {
	case Float:
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return fmt.Errorf("method %s: parameter %s: want a number, got %q", m.Name, key, val)
		}
		v[key] = f
	case Int:
		i, err := strconv.Atoi(val)
		if err != nil {
			return fmt.Errorf("method %s: parameter %s: want an integer, got %q", m.Name, key, val)
		}
		v[key] = i
	case Bool:
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("method %s: parameter %s: want true or false, got %q", m.Name, key, val)
		}
		v[key] = b
	case String:
		if len(p.Choices) > 0 {
			ok := false
			for _, c := range p.Choices {
				ok = ok || c == val
			}
			if !ok {
				return fmt.Errorf("method %s: parameter %s: want one of %s, got %q", m.Name, key, strings.Join(p.Choices, ", "), val)
			}
		}
		v[key] = val
	}
	return nil
}

// InputError says which input a trajectory lacks.
type InputError struct {
	Method     string
	Input      Input
	Trajectory int
	ID         string
	// Record, when set, locates the trajectory in the user's input ("line
	// 12", "row 3") and replaces its index in the batch in the message.
	Record string
}

func (e *InputError) Error() string {
	where := fmt.Sprintf("trajectory %d", e.Trajectory)
	if e.Record != "" {
		where = e.Record
	}
	return fmt.Sprintf("method %s needs input %s (%s): %s (traj_uid %q) does not have it",
		e.Method, e.Input.Name, e.Input.Doc, where, e.ID)
}

// Check verifies that every trajectory has every required input.
func (m *Method) Check(b *rollout.Batch, v Values) error {
	for _, in := range m.Inputs {
		if in.Has == nil {
			continue
		}
		for i, t := range b.Trajectories {
			if !in.Has(t, v) {
				return &InputError{Method: m.Name, Input: in, Trajectory: i, ID: t.ID}
			}
		}
	}
	return nil
}

// Assign checks the inputs and writes the method's credit into b. Values
// may be nil for the defaults. A stateful method starts from empty state
// (use AssignState to carry it across calls). On error b's outputs are left
// unspecified.
func (m *Method) Assign(b *rollout.Batch, v Values) error {
	return m.AssignState(b, v, nil)
}

// AssignState is Assign with method state carried across calls: st is read
// and updated by stateful methods (nil = fresh state, discarded after the
// call) and ignored by stateless ones.
func (m *Method) AssignState(b *rollout.Batch, v Values, st *State) error {
	if m.GoAPI != "" {
		return fmt.Errorf("%s assigns no credit: it is the Go function %s (%s)", m.Name, m.GoAPI, m.Summary)
	}
	if v == nil {
		v = m.Defaults()
	}
	if err := m.Check(b, v); err != nil {
		return err
	}
	var err error
	if m.RunState != nil {
		if st == nil {
			st = NewState()
		}
		err = m.RunState(b, v, st.For(m.Name))
	} else {
		err = m.Run(b, v)
	}
	if err != nil {
		return fmt.Errorf("method %s: %w", m.Name, err)
	}
	return nil
}

// Assign runs the named method with "key=value" settings on b.
func Assign(b *rollout.Batch, name string, sets ...string) error {
	m, err := Lookup(name)
	if err != nil {
		return err
	}
	v, err := m.Parse(sets)
	if err != nil {
		return err
	}
	return m.Assign(b, v)
}
