package credit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
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

// Param describes one hyper-parameter of a method: its name, kind, default,
// where the default comes from, the values it accepts and the other names
// it is known by.
type Param struct {
	Name    string    `json:"name"`
	Kind    ParamKind `json:"kind"`
	Default any       `json:"default"`
	Choices []string  `json:"choices,omitempty"`
	Doc     string    `json:"doc"`
	// Origin says where the default comes from (paper, reference code, or
	// credo's own choice with its reason). Every registered parameter has one.
	Origin Origin `json:"origin"`
	// Range bounds a Float or Int parameter; it is checked when parsed.
	// Float values must be finite whether or not a range is given.
	Range *Range `json:"range,omitempty"`
	// Validate, when set, checks a parsed value beyond Range and Choices.
	Validate func(x any) error `json:"-"`
	// Required parameters have no default: a run fails unless they are set.
	// Default then only gives the kind's zero value for documentation.
	Required bool `json:"required,omitempty"`
	// Optional parameters have no default either, but may stay unset: the
	// method then does something else (Values.Has tells). Default gives the
	// kind's zero value for documentation.
	Optional bool `json:"optional,omitempty"`
	// Aliases are other names accepted for the parameter.
	Aliases []Alias `json:"aliases,omitempty"`
}

// OriginKind classifies where a parameter's default comes from.
type OriginKind string

// Origin kinds.
const (
	// OriginPaper: the paper gives the value (Where names the section or table).
	OriginPaper OriginKind = "paper"
	// OriginReference: the reference implementation's default (Where is file::function).
	OriginReference OriginKind = "reference"
	// OriginCredo: credo's choice (Where is the one-line reason).
	OriginCredo OriginKind = "credo"
)

// Origin is where a parameter's default comes from.
type Origin struct {
	Kind OriginKind `json:"kind"`
	// Where is the paper's section or table, the reference's file::function,
	// or, for credo's choices, the reason.
	Where string `json:"where"`
}

// FromPaper is a default given by the paper at where (a section or table).
func FromPaper(where string) Origin { return Origin{Kind: OriginPaper, Where: where} }

// FromReference is a default taken from the reference code at where (file::function).
func FromReference(where string) Origin { return Origin{Kind: OriginReference, Where: where} }

// ByCredo is credo's choice, with the reason.
func ByCredo(reason string) Origin { return Origin{Kind: OriginCredo, Where: reason} }

// NotInPaper is credo's choice for a value the paper does not give.
func NotInPaper(because string) Origin {
	return ByCredo("value not given in the paper; chosen because " + because)
}

// Channel is the origin of a parameter that names a data channel (a reward,
// a label, a feature): the name follows credo's data format.
var Channel = ByCredo("names a channel of credo's rollout format (docs/format.md); any name can be used")

func (o Origin) String() string {
	if o.Kind == "" {
		return "(none)"
	}
	return string(o.Kind) + ": " + o.Where
}

// Range bounds a numeric parameter. A nil bound is unbounded.
type Range struct {
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// MinOpen and MaxOpen exclude the bound itself.
	MinOpen bool `json:"min_open,omitempty"`
	MaxOpen bool `json:"max_open,omitempty"`
}

func fp(x float64) *float64 { return &x }

// Common ranges.
var (
	// Unit is [0, 1] (discounts, GAE λ, fractions, probabilities).
	Unit = &Range{Min: fp(0), Max: fp(1)}
	// NonNeg is [0, ∞) (epsilons, coefficients, temperatures).
	NonNeg = &Range{Min: fp(0)}
	// Positive is (0, ∞).
	Positive = &Range{Min: fp(0), MinOpen: true}
)

// Closed is the range [lo, hi].
func Closed(lo, hi float64) *Range { return &Range{Min: fp(lo), Max: fp(hi)} }

// AtLeast is the range [lo, ∞).
func AtLeast(lo float64) *Range { return &Range{Min: fp(lo)} }

// Contains reports whether x lies in the range.
func (r *Range) Contains(x float64) bool {
	if r == nil {
		return true
	}
	if r.Min != nil && (x < *r.Min || r.MinOpen && x == *r.Min) {
		return false
	}
	if r.Max != nil && (x > *r.Max || r.MaxOpen && x == *r.Max) {
		return false
	}
	return true
}

func (r *Range) String() string {
	if r == nil {
		return ""
	}
	lo, hi := "(-∞", "∞)"
	if r.Min != nil {
		b := "["
		if r.MinOpen {
			b = "("
		}
		lo = b + strconv.FormatFloat(*r.Min, 'g', -1, 64)
	}
	if r.Max != nil {
		b := "]"
		if r.MaxOpen {
			b = ")"
		}
		hi = strconv.FormatFloat(*r.Max, 'g', -1, 64) + b
	}
	return lo + ", " + hi
}

// Alias is another name for a parameter.
type Alias struct {
	Name string `json:"name"`
	// Deprecated aliases are old credo names kept for compatibility; the
	// others follow another tool's spelling (an OpenRLHF flag).
	Deprecated bool `json:"deprecated,omitempty"`
	// Note says what the alias is (the deprecation note, or whose spelling it is).
	Note string `json:"note"`
	// Convert, when set, turns the alias's raw value into a raw value of
	// the parameter (a flag of the opposite sense, another tool's notation),
	// which is then parsed and checked as the parameter's.
	Convert func(raw string) (string, error) `json:"-"`
	// Apply, when set, stores the raw value itself (an old pass-through
	// appended to base_params); otherwise the value, converted by Convert
	// when that is set, is parsed as the parameter's.
	Apply func(v Values, raw string) error `json:"-"`
}

// Negation is an alias for a boolean parameter under a flag of the
// opposite sense (OpenRLHF's --no_advantage_std_norm for
// norm_adv_by_std_in_grpo): name=true sets the parameter to false.
func Negation(name string, deprecated bool, note string) Alias {
	return Alias{Name: name, Deprecated: deprecated, Note: note, Convert: func(raw string) (string, error) {
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return "", fmt.Errorf("want true or false, got %q", raw)
		}
		return strconv.FormatBool(!b), nil
	}}
}

// Deprecated is a deprecated alias: the parameter's old name.
func Deprecated(old, newName string) Alias {
	return Alias{Name: old, Deprecated: true, Note: "deprecated: use " + newName}
}

// parse converts val to the parameter's kind and checks it.
func (p *Param) parse(method, val string) (any, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("method %s: parameter %s: %s", method, p.Name, fmt.Sprintf(format, a...))
	}
	var x any
	switch p.Kind {
	case Float:
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return nil, fail("want a number, got %q", val)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fail("want a finite number, got %q", val)
		}
		if !p.Range.Contains(f) {
			return nil, fail("want a number in %s, got %v", p.Range, f)
		}
		x = f
	case Int:
		i, err := strconv.Atoi(val)
		if err != nil {
			return nil, fail("want an integer, got %q", val)
		}
		if !p.Range.Contains(float64(i)) {
			return nil, fail("want an integer in %s, got %d", p.Range, i)
		}
		x = i
	case Bool:
		b, err := strconv.ParseBool(val)
		if err != nil {
			return nil, fail("want true or false, got %q", val)
		}
		x = b
	case String:
		if len(p.Choices) > 0 {
			ok := false
			for _, c := range p.Choices {
				ok = ok || c == val
			}
			if !ok {
				return nil, fail("want one of %s, got %q", strings.Join(p.Choices, ", "), val)
			}
		}
		x = val
	default:
		return nil, fail("unknown kind %q", p.Kind)
	}
	if p.Validate != nil {
		if err := p.Validate(x); err != nil {
			return nil, fail("%v", err)
		}
	}
	return x, nil
}

// CheckDefault reports whether p's default is of its kind and satisfies its
// range, choices and validator (registry tests call it for every parameter).
func (p *Param) CheckDefault() error {
	if p.Required || p.Optional {
		return nil
	}
	var s string
	switch p.Kind {
	case Float:
		f, ok := p.Default.(float64)
		if !ok {
			return fmt.Errorf("default %v (%T) is not a float64", p.Default, p.Default)
		}
		s = strconv.FormatFloat(f, 'g', -1, 64)
	case Int:
		i, ok := p.Default.(int)
		if !ok {
			return fmt.Errorf("default %v (%T) is not an int", p.Default, p.Default)
		}
		s = strconv.Itoa(i)
	case Bool:
		b, ok := p.Default.(bool)
		if !ok {
			return fmt.Errorf("default %v (%T) is not a bool", p.Default, p.Default)
		}
		s = strconv.FormatBool(b)
	case String:
		str, ok := p.Default.(string)
		if !ok {
			return fmt.Errorf("default %v (%T) is not a string", p.Default, p.Default)
		}
		s = str
	}
	_, err := p.parse("", s)
	return err
}

// From returns p with its origin set to o (a shared declaration used by a
// method whose default comes from elsewhere).
func (p Param) From(o Origin) Param {
	p.Origin = o
	return p
}

// WithDefault returns p with another default and its origin.
func (p Param) WithDefault(def any, o Origin) Param {
	p.Default, p.Origin = def, o
	return p
}
