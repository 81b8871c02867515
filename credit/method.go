package credit

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/credo-rl/credo/rollout"
)

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
	// Critic marks an input that a learned value function produces (per-token
	// values, per-turn V or Q): a caller that trains a critic, like the lab,
	// asks Method.NeedsCritic instead of matching input names.
	Critic bool `json:"critic,omitempty"`
}

// NeedsCritic reports whether the method reads an input marked Critic.
func (m *Method) NeedsCritic() bool {
	for _, in := range m.Inputs {
		if in.Critic {
			return true
		}
	}
	return false
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
	ScopeOf func(v Values) Scope `json:"-"`
	// Reads declares the per-token arrays the method reads (see Arrays;
	// ArraysRead): 0 means undeclared, every array. ReadsOf, when set,
	// gives them under particular parameter values (a stage also reads
	// what its base method reads: StageReads).
	Reads      Arrays                `json:"-"`
	ReadsOf    func(v Values) Arrays `json:"-"`
	Provenance Provenance            `json:"provenance"`
	// Notes records quirks of the reference that are reproduced, and how a
	// corrected variant differs.
	Notes string `json:"notes,omitempty"`
	// GoAPI, when set, marks an entry that assigns no credit: a Go function
	// of the catalogue (an allocator, a configuration chooser, a value mixer)
	// listed so that `credo methods` covers every catalogued method. It names
	// the function, e.g. "method/group.BStarChoose".
	GoAPI string `json:"go_api,omitempty"`
	// Inferred lists the formulas credo had to choose where the paper is
	// silent, each with its origin (credo and the reason, or the recalled
	// source); `credo methods NAME` and docs/methods.md show them.
	Inferred []Inferred `json:"inferred,omitempty"`
	// Stateful methods carry state across calls (an EMA baseline per role,
	// per-prompt success estimates, an annealing schedule).
	Stateful bool `json:"stateful,omitempty"`

	// PerRecord marks a method whose credit for a trajectory depends only
	// on that trajectory and, for a stateful method, on the state left by
	// the trajectories before it in the batch (spiral.rae's EMA baseline
	// per game and role): run on one trajectory at a time, in batch order,
	// it gives what it gives on the whole batch, so credo assign streams
	// it one record at a time whatever its scope.
	PerRecord bool `json:"-"`

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

// Inferred is a formula credo inferred where the paper is silent.
type Inferred struct {
	// What is the formula or rule, e.g. "thought weight 1 − α·p".
	What   string `json:"what"`
	Origin Origin `json:"origin"`
}

// ScopeFor is the method's scope under the parameter values v.
func (m *Method) ScopeFor(v Values) Scope {
	if m.ScopeOf != nil {
		return m.ScopeOf(m.complete(v))
	}
	return m.Scope
}

// BaseScope returns a ScopeOf for stage methods whose parameter base names
// the base method: the base's scope under the base's defaults, overridden by
// the comma-separated key=value list in parameter params when that is
// declared and not empty. An unknown base or unparsable parameters give
// ScopeBatch (the run then fails with the proper error).
func BaseScope(base, params StringParam) func(Values) Scope {
	return func(v Values) Scope {
		b, err := Lookup(base.Get(v))
		if err != nil {
			return ScopeBatch
		}
		var sets []string
		if list, ok := params.Lookup(v); ok {
			for _, kv := range strings.Split(list, ",") {
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

// Values are a method's resolved parameter values, by parameter name. A
// method's run function reads them through the typed handles of its
// parameters (P.Get); the accessors below serve generic code (printing,
// base_params), which knows a parameter only by its name.
type Values map[string]any

// complete returns v with the default of every declared parameter that v
// lacks (v itself when nothing is missing; the defaults when v is nil), so
// that a method's handles find all its parameters.
func (m *Method) complete(v Values) Values {
	if v == nil {
		return m.Defaults()
	}
	var out Values
	for _, p := range m.Params {
		if p.Required || p.Optional {
			continue
		}
		if _, ok := v[p.Name]; ok {
			continue
		}
		if out == nil {
			out = make(Values, len(v)+1)
			for k, x := range v {
				out[k] = x
			}
		}
		out[p.Name] = p.Default
	}
	if out == nil {
		return v
	}
	return out
}

// The accessors below read a parameter by its name, for generic code that
// has no handle (printing values, a stage's base_params); a binding reads
// its parameters through their handles (P.Get), which cannot misspell a
// name.

// Has reports whether the parameter has a value (an Optional parameter
// that was not set has none).
func (v Values) Has(name string) bool { _, ok := v[name]; return ok }

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
	// verl-agent's methods are spelled verl_agent.*; accept the repository's
	// spelling and the Go package's.
	for _, p := range []string{"verl-agent.", "verlagent."} {
		if rest, cut := strings.CutPrefix(name, p); cut {
			return Lookup("verl_agent." + rest)
		}
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

// Defaults returns the default parameter values (required and optional
// parameters, which have none, are absent).
func (m *Method) Defaults() Values {
	v := Values{}
	for _, p := range m.Params {
		if !p.Required && !p.Optional {
			v[p.Name] = p.Default
		}
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

// Param finds the parameter called key, by its name or one of its
// aliases; alias is nil when key is the name itself.
func (m *Method) Param(key string) (p *Param, alias *Alias) {
	for i := range m.Params {
		if m.Params[i].Name == key {
			return &m.Params[i], nil
		}
	}
	for i := range m.Params {
		for j := range m.Params[i].Aliases {
			if m.Params[i].Aliases[j].Name == key {
				return &m.Params[i], &m.Params[i].Aliases[j]
			}
		}
	}
	return nil, nil
}

// Set parses one parameter value into v. key is the parameter's name or
// one of its aliases; the value is checked against the parameter's kind,
// range (floats must be finite) and choices.
func (m *Method) Set(v Values, key, val string) error {
	p, alias := m.Param(key)
	if p == nil {
		names := make([]string, len(m.Params))
		for i, q := range m.Params {
			names[i] = q.Name
		}
		return fmt.Errorf("method %s has no parameter %q (parameters: %s)", m.Name, key, strings.Join(names, ", "))
	}
	if alias != nil && alias.Apply != nil {
		if err := alias.Apply(v, val); err != nil {
			return fmt.Errorf("method %s: parameter %s (alias of %s): %w", m.Name, key, p.Name, err)
		}
		return nil
	}
	if alias != nil && alias.Convert != nil {
		c, err := alias.Convert(val)
		if err != nil {
			return fmt.Errorf("method %s: parameter %s (alias of %s): %w", m.Name, key, p.Name, err)
		}
		val = c
	}
	x, err := p.parse(m.Name, val)
	if err != nil {
		return err
	}
	v[p.Name] = x
	return nil
}

// SetValue stores a typed value (from JSON or Go code) for the parameter
// key (a name or an alias), with the same checks as Set: a float64 for an
// Int parameter must be whole, a value of another kind is an error.
func (m *Method) SetValue(v Values, key string, x any) error {
	var s string
	switch y := x.(type) {
	case string:
		s = y
	case bool:
		s = strconv.FormatBool(y)
	case int:
		s = strconv.Itoa(y)
	case float64:
		if p, _ := m.Param(key); p != nil && p.Kind == Int && y == math.Trunc(y) && math.Abs(y) < 1<<53 {
			s = strconv.FormatInt(int64(y), 10)
		} else {
			s = strconv.FormatFloat(y, 'g', -1, 64)
		}
	default:
		return fmt.Errorf("method %s: parameter %s: unsupported value %v (%T)", m.Name, key, x, x)
	}
	if p, _ := m.Param(key); p != nil {
		switch _, isString := x.(string); {
		case p.Kind == String && !isString:
			return fmt.Errorf("method %s: parameter %s: want a string, got %v (%T)", m.Name, key, x, x)
		case p.Kind == Bool && !isString:
			if _, ok := x.(bool); !ok {
				return fmt.Errorf("method %s: parameter %s: want true or false, got %v (%T)", m.Name, key, x, x)
			}
		}
	}
	return m.Set(v, key, s)
}

// Deprecations returns a note for each "key=value" setting that uses a
// deprecated alias (the CLI prints them as warnings).
func (m *Method) Deprecations(sets []string) []string {
	var out []string
	for _, s := range sets {
		k, _, _ := strings.Cut(s, "=")
		k = strings.TrimSpace(k)
		if _, a := m.Param(k); a != nil && a.Deprecated {
			out = append(out, fmt.Sprintf("method %s: parameter %q is %s", m.Name, k, a.Note))
		}
	}
	return out
}

// checkRequired fails when a required parameter has no value in v.
func (m *Method) checkRequired(v Values) error {
	for _, p := range m.Params {
		if _, ok := v[p.Name]; p.Required && !ok {
			return fmt.Errorf("method %s: parameter %s is required (it has no default: %s); pass --set %s=VALUE",
				m.Name, p.Name, p.Origin.Where, p.Name)
		}
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
	v = m.complete(v)
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
	v = m.complete(v)
	if err := m.checkRequired(v); err != nil {
		return err
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
