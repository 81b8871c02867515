package credit

import "fmt"

// Value is the Go type of a parameter's values: float64 for Float, int for
// Int, bool for Bool and string for String parameters.
type Value interface {
	float64 | int | bool | string
}

// P is a typed parameter handle. A parameter is declared once, as a
// package-level handle holding its declaration (name, kind, default, range,
// origin, doc, aliases); the method lists it in its Params (through Params)
// and its run function reads it through Get, which returns a T:
//
//	var pGamma = credit.FloatParam{Param: credit.Param{Name: "gamma", Kind: credit.Float, Default: 1.0,
//		Doc: "discount factor", Origin: credit.FromPaper("§3"), Range: credit.Unit}}
//
//	credit.Register(&credit.Method{Name: "my.method", Params: credit.Params(pGamma), Run: run, ...})
//
//	func run(b *rollout.Batch, v credit.Values) error {
//		gamma := pGamma.Get(v) // a float64; no name to misspell
//		...
//	}
//
// The entry points (Method.Assign, Check, Begin, BeginSums, ScopeFor) fill
// every declared parameter's default into the values they hand to a method,
// so Get finds every parameter the method declares. Reading a handle the
// method does not declare panics on the first run (the method/all tests
// run every method), where a look-up by name would have returned zero.
type P[T Value] struct {
	Param
}

// The handles of the four kinds.
type (
	FloatParam  = P[float64]
	IntParam    = P[int]
	BoolParam   = P[bool]
	StringParam = P[string]
)

// kindOf is the ParamKind whose values have the Go type T.
func kindOf[T Value]() ParamKind {
	var z T
	switch any(z).(type) {
	case float64:
		return Float
	case int:
		return Int
	case bool:
		return Bool
	}
	return String
}

// Get returns the parameter's value in v. It panics when v holds no value
// for the parameter — the method does not declare it, or it is Optional and
// unset (read Optional parameters through Lookup) — or a value of another
// type; both are errors in the binding, not in the user's input, which Set
// and Parse check.
func (p P[T]) Get(v Values) T {
	x, ok := v[p.Name]
	if !ok {
		panic(fmt.Sprintf("credit: parameter %q has no value: the method does not declare it (list its handle in Params), or it is Optional and unset (use Lookup)", p.Name))
	}
	t, ok := x.(T)
	if !ok {
		panic(fmt.Sprintf("credit: parameter %q holds %v, not a %s value", p.Name, x, kindOf[T]()))
	}
	return t
}

// Lookup returns the parameter's value and whether it has one (an Optional
// parameter that was not set has none).
func (p P[T]) Lookup(v Values) (T, bool) {
	t, ok := v[p.Name].(T)
	return t, ok
}

// Has reports whether the parameter has a value in v.
func (p P[T]) Has(v Values) bool { _, ok := v[p.Name]; return ok }

// Set stores x as the parameter's value in v (unchecked: x comes from Go
// code, not from the user).
func (p P[T]) Set(v Values, x T) { v[p.Name] = x }

// From returns the handle with its origin set to o (a shared declaration
// used by a method whose default comes from elsewhere).
func (p P[T]) From(o Origin) P[T] {
	p.Param = p.Param.From(o)
	return p
}

// WithDefault returns the handle with another default and its origin.
func (p P[T]) WithDefault(def T, o Origin) P[T] {
	p.Param = p.Param.WithDefault(def, o)
	return p
}

// Declaration returns the parameter's declaration for a method's Params. It
// panics when the declared Kind is not T's or the default is not a T: a
// handle's value type, kind and default cannot disagree.
func (p P[T]) Declaration() Param {
	k := kindOf[T]()
	if p.Kind == "" {
		p.Kind = k
	}
	if p.Kind != k {
		panic(fmt.Sprintf("credit: parameter %q: declared kind %s, but its handle reads %s values", p.Name, p.Kind, k))
	}
	switch p.Default.(type) {
	case T:
	case nil:
		if !p.Required && !p.Optional {
			panic(fmt.Sprintf("credit: parameter %q has no default (mark it Required or Optional)", p.Name))
		}
	default:
		panic(fmt.Sprintf("credit: parameter %q: default %v is not a %s value", p.Name, p.Default, k))
	}
	return p.Param
}

// Handle is a typed parameter handle of any kind (P[T]).
type Handle interface {
	Declaration() Param
}

// Params returns the declarations of the handles, in order, for a Method's
// Params.
func Params(hs ...Handle) []Param {
	out := make([]Param, len(hs))
	for i, h := range hs {
		out[i] = h.Declaration()
	}
	return out
}
