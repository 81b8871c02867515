package credit_test

import (
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// panics runs f and returns the panic's message ("" when f returns).
func panics(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = r.(string)
		}
	}()
	f()
	return ""
}

var (
	hScale = credit.FloatParam{Param: credit.Param{Name: "scale", Kind: credit.Float, Default: 2.0, Doc: "d", Origin: credit.ByCredo("test"), Range: credit.NonNeg}}
	hSteps = credit.IntParam{Param: credit.Param{Name: "steps", Kind: credit.Int, Default: 3, Doc: "d", Origin: credit.ByCredo("test")}}
	hCap   = credit.FloatParam{Param: credit.Param{Name: "cap", Kind: credit.Float, Optional: true, Doc: "d", Origin: credit.ByCredo("test")}}
	hOther = credit.BoolParam{Param: credit.Param{Name: "other", Kind: credit.Bool, Default: false, Doc: "d", Origin: credit.ByCredo("test")}}
)

// A handle reads its own typed value; a value of another method's
// parameter, never declared, panics with the parameter's name instead of
// reading zero; an Optional parameter is read through Lookup.
func TestHandleGet(t *testing.T) {
	m := &credit.Method{Name: "test.handles", Params: credit.Params(hScale, hSteps, hCap)}
	v, err := m.Parse([]string{"scale=0.5"})
	if err != nil {
		t.Fatal(err)
	}
	if got := hScale.Get(v); got != 0.5 {
		t.Errorf("scale = %v, want 0.5", got)
	}
	if got := hSteps.Get(v); got != 3 {
		t.Errorf("steps = %v, want the default 3", got)
	}
	if msg := panics(func() { hOther.Get(v) }); !strings.Contains(msg, `"other"`) || !strings.Contains(msg, "does not declare") {
		t.Errorf("undeclared read: panic %q", msg)
	}
	if _, ok := hCap.Lookup(v); ok || hCap.Has(v) {
		t.Error("unset Optional parameter has a value")
	}
	if msg := panics(func() { hCap.Get(v) }); msg == "" {
		t.Error("Get of an unset Optional parameter did not panic")
	}
	v, _ = m.Parse([]string{"cap=1.5"})
	if c, ok := hCap.Lookup(v); !ok || c != 1.5 {
		t.Errorf("cap = %v, %v; want 1.5, true", c, ok)
	}
	// A value of the wrong Go type (set by hand, bypassing Set) is named.
	if msg := panics(func() { hScale.Get(credit.Values{"scale": 1}) }); !strings.Contains(msg, "not a float value") {
		t.Errorf("wrong type: panic %q", msg)
	}
}

// Declaration takes the kind from the handle's type and refuses a declared
// kind or a default of another type.
func TestHandleDeclaration(t *testing.T) {
	p := credit.IntParam{Param: credit.Param{Name: "n", Default: 4}}.Declaration()
	if p.Kind != credit.Int {
		t.Errorf("kind %q, want int", p.Kind)
	}
	for name, f := range map[string]func(){
		"kind": func() {
			credit.FloatParam{Param: credit.Param{Name: "x", Kind: credit.Int, Default: 1.0}}.Declaration()
		},
		"default": func() {
			credit.FloatParam{Param: credit.Param{Name: "x", Kind: credit.Float, Default: 1}}.Declaration()
		},
		"none": func() { credit.StringParam{Param: credit.Param{Name: "x", Kind: credit.String}}.Declaration() },
	} {
		if panics(f) == "" {
			t.Errorf("%s: a declaration that disagrees with its handle was accepted", name)
		}
	}
	if d := hScale.WithDefault(0.25, credit.FromPaper("§2")).Declaration(); d.Default != 0.25 || d.Origin.Kind != credit.OriginPaper || d.Name != "scale" {
		t.Errorf("WithDefault: %+v", d)
	}
}

// Assign fills the defaults of parameters a caller's values leave out, so
// that the method's handles find them: partial values behave as the
// defaults overridden, never as zeros.
func TestAssignFillsDefaults(t *testing.T) {
	var seen float64
	m := &credit.Method{Name: "test.partial", Params: credit.Params(hScale, hSteps), Outputs: []string{"advantages"},
		Run: func(b *rollout.Batch, v credit.Values) error {
			seen = hScale.Get(v) * float64(hSteps.Get(v))
			return nil
		}}
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{{ID: "a", Group: "g", Tokens: []int64{1}}}}
	if err := m.Assign(b, credit.Values{"steps": 5}); err != nil {
		t.Fatal(err)
	}
	if seen != 10 { // scale 2 (default) · steps 5
		t.Errorf("scale·steps = %v, want 2·5 = 10", seen)
	}
}
