package golden

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// File is one golden file.
type File struct {
	Estimator   string `json:"estimator"`
	Source      string `json:"source"`
	Description string `json:"description"`
	Cases       []Case `json:"cases"`
}

// Case is one golden case. Params and Inputs are kept raw so that each
// adapter decodes exactly what its reference takes.
type Case struct {
	Name      string                     `json:"name"`
	Params    map[string]json.RawMessage `json:"params"`
	Inputs    map[string]json.RawMessage `json:"inputs"`
	Outputs   map[string]json.RawMessage `json:"outputs"`
	Tolerance *Tolerance                 `json:"tolerance,omitempty"`
}

// Tolerance is a per-case override of the default comparison rule
// |got-want| <= ATol + RTol*|want|.
type Tolerance struct {
	Comparable *bool   `json:"comparable,omitempty"`
	RTol       float64 `json:"rtol"`
	ATol       float64 `json:"atol"`
	Reason     string  `json:"reason,omitempty"`
}

// ReadFile parses a golden file.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Estimator == "" {
		return nil, fmt.Errorf("%s: field \"estimator\" is missing", path)
	}
	return &f, nil
}

// ExpectsError reports whether the case documents an input the reference rejects.
func (c *Case) ExpectsError() bool {
	_, ok := c.Outputs["error"]
	return ok
}

// Num is a float64 that also decodes the golden files' spellings of
// non-finite values: "NaN", "Infinity", "-Infinity".
type Num float64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Num) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*n = Num(math.NaN())
		case "Infinity", "inf", "Inf":
			*n = Num(math.Inf(1))
		case "-Infinity", "-inf", "-Inf":
			*n = Num(math.Inf(-1))
		default:
			return fmt.Errorf("golden: %q is not a number", s)
		}
		return nil
	}
	if string(b) == "true" {
		*n = 1
		return nil
	}
	if string(b) == "false" {
		*n = 0
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

// Floats converts a decoded vector.
func Floats(v []Num) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// Matrix converts a decoded [B][T] array.
func Matrix(v [][]Num) [][]float64 {
	if v == nil {
		return nil
	}
	out := make([][]float64, len(v))
	for i, row := range v {
		out[i] = Floats(row)
	}
	return out
}

// Has reports whether key is present in params or inputs and is not null.
func (c *Case) Has(key string) bool {
	if raw, ok := c.Inputs[key]; ok && string(bytes.TrimSpace(raw)) != "null" {
		return true
	}
	if raw, ok := c.Params[key]; ok && string(bytes.TrimSpace(raw)) != "null" {
		return true
	}
	return false
}

func lookup(c *Case, key string) (json.RawMessage, bool) {
	if raw, ok := c.Inputs[key]; ok && string(bytes.TrimSpace(raw)) != "null" {
		return raw, true
	}
	if raw, ok := c.Params[key]; ok && string(bytes.TrimSpace(raw)) != "null" {
		return raw, true
	}
	return nil, false
}

// Decode unmarshals the input or parameter named key into v. It returns
// false, nil when the key is absent or null (the reference's None).
func (c *Case) Decode(key string, v any) (bool, error) {
	raw, ok := lookup(c, key)
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("case %q: field %q: %w", c.Name, key, err)
	}
	return true, nil
}

// Float returns a numeric input or parameter, or def when absent.
func (c *Case) Float(key string, def float64) (float64, error) {
	var n Num
	ok, err := c.Decode(key, &n)
	if err != nil || !ok {
		return def, err
	}
	return float64(n), nil
}

// Int returns an integer input or parameter, or def when absent.
func (c *Case) Int(key string, def int) (int, error) {
	f, err := c.Float(key, float64(def))
	if err != nil {
		return def, err
	}
	if f != math.Trunc(f) {
		return def, fmt.Errorf("case %q: field %q: want an integer, got %v", c.Name, key, f)
	}
	return int(f), nil
}

// Bool returns a boolean input or parameter, or def when absent.
func (c *Case) Bool(key string, def bool) (bool, error) {
	raw, ok := lookup(c, key)
	if !ok {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var n Num
	if err := json.Unmarshal(raw, &n); err != nil {
		return def, fmt.Errorf("case %q: field %q: want a boolean", c.Name, key)
	}
	return n != 0, nil
}

// String returns a string input or parameter, or def when absent.
func (c *Case) String(key string, def string) (string, error) {
	var s string
	ok, err := c.Decode(key, &s)
	if err != nil || !ok {
		return def, err
	}
	return s, nil
}

// Vector returns a numeric [N] input (nil when absent).
func (c *Case) Vector(key string) ([]float64, error) {
	var v []Num
	_, err := c.Decode(key, &v)
	return Floats(v), err
}

// Matrix returns a numeric [B][T] input (nil when absent).
func (c *Case) Matrix(key string) ([][]float64, error) {
	var v [][]Num
	_, err := c.Decode(key, &v)
	return Matrix(v), err
}

// Strings returns a list of opaque ids. Integer lists and other JSON values
// are rendered in their canonical JSON text so that equality is preserved.
func (c *Case) Strings(key string) ([]string, error) {
	var v []json.RawMessage
	ok, err := c.Decode(key, &v)
	if err != nil || !ok {
		return nil, err
	}
	out := make([]string, len(v))
	for i, r := range v {
		var s string
		if json.Unmarshal(r, &s) == nil {
			out[i] = s
			continue
		}
		var any any
		if err := json.Unmarshal(r, &any); err != nil {
			return nil, err
		}
		b, _ := json.Marshal(any)
		out[i] = string(b)
	}
	return out, nil
}
