package golden

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// Tol is a comparison rule for floating-point results:
// |got-want| <= ATol + RTol*|want|. When Skip is set, numbers are not compared
// but shapes and the finiteness of every value still are.
type Tol struct {
	RTol, ATol float64
	Skip       bool
}

// Float32Tol is the default rule for anchors that compute in float32.
var Float32Tol = Tol{RTol: 1e-5, ATol: 1e-6}

// Float64Tol is the default rule for anchors that compute in Python floats.
var Float64Tol = Tol{RTol: 1e-9, ATol: 1e-12}

// float64Anchors compute in float64 (Python floats).
var float64Anchors = []string{"spo.", "spiral.", "treerl."}

// DefaultTol returns the README's default rule for an estimator.
func DefaultTol(estimator string) Tol {
	for _, p := range float64Anchors {
		if strings.HasPrefix(estimator, p) {
			return Float64Tol
		}
	}
	return Float32Tol
}

// CaseTol returns the rule for one case: the per-case override when the file
// gives one, the estimator's default otherwise.
func CaseTol(estimator string, c *Case) Tol {
	t := DefaultTol(estimator)
	if c.Tolerance != nil {
		if c.Tolerance.Comparable != nil && !*c.Tolerance.Comparable {
			t.Skip = true
		}
		if c.Tolerance.RTol > 0 || c.Tolerance.ATol > 0 {
			t.RTol, t.ATol = c.Tolerance.RTol, c.Tolerance.ATol
		}
	}
	return t
}

// Compare checks got against the golden JSON value want and returns one
// message per mismatch (at most max, 0 = unlimited). Integers in want (JSON
// numbers without fraction or exponent) must match exactly; other numbers
// follow tol.
func Compare(want json.RawMessage, got any, tol Tol, max int) []string {
	dec := json.NewDecoder(bytes.NewReader(want))
	dec.UseNumber()
	var w any
	if err := dec.Decode(&w); err != nil {
		return []string{"golden value does not parse: " + err.Error()}
	}
	c := comparer{tol: tol, max: max}
	c.cmp("", w, normalize(reflect.ValueOf(got)))
	return c.msgs
}

type comparer struct {
	tol  Tol
	max  int
	msgs []string
}

func (c *comparer) fail(path, format string, args ...any) {
	if c.max > 0 && len(c.msgs) >= c.max {
		return
	}
	if path == "" {
		path = "."
	}
	c.msgs = append(c.msgs, path+": "+fmt.Sprintf(format, args...))
}

// Normalize turns a Go value into nil, bool, string, float64, int64, []any
// or map[string]any (struct fields under their JSON names): the plain form
// in which outputs are compared with golden files and sent over the C ABI.
func Normalize(v reflect.Value) any { return normalize(v) }

func normalize(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return normalize(v.Elem())
	case reflect.Bool:
		return v.Bool()
	case reflect.String:
		return v.String()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(v.Uint())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any{}
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = normalize(v.Index(i))
		}
		return out
	case reflect.Map:
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[fmt.Sprint(it.Key().Interface())] = normalize(it.Value())
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag := f.Tag.Get("json"); tag != "" {
				name = strings.Split(tag, ",")[0]
			}
			out[name] = normalize(v.Field(i))
		}
		return out
	}
	return fmt.Sprintf("<unsupported %s>", v.Kind())
}

func asFloat(g any) (float64, bool) {
	switch x := g.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func (c *comparer) cmp(path string, w, g any) {
	switch wv := w.(type) {
	case nil:
		if g != nil {
			c.fail(path, "want null, got %v", g)
		}
	case bool:
		gb, ok := g.(bool)
		if !ok {
			if f, isNum := asFloat(g); isNum && (f == 1) == wv && (f == 0 || f == 1) {
				return
			}
			c.fail(path, "want %v, got %v", wv, g)
			return
		}
		if gb != wv {
			c.fail(path, "want %v, got %v", wv, gb)
		}
	case string:
		want := math.NaN()
		switch wv {
		case "NaN":
		case "Infinity":
			want = math.Inf(1)
		case "-Infinity":
			want = math.Inf(-1)
		default:
			if gs, ok := g.(string); !ok || gs != wv {
				c.fail(path, "want %q, got %v", wv, g)
			}
			return
		}
		gf, ok := asFloat(g)
		if !ok {
			c.fail(path, "want %s, got %v", wv, g)
			return
		}
		if math.IsNaN(want) != math.IsNaN(gf) || (!math.IsNaN(want) && gf != want) {
			c.fail(path, "want %s, got %v", wv, gf)
		}
	case json.Number:
		gf, ok := asFloat(g)
		if !ok {
			c.fail(path, "want number %s, got %v", wv, g)
			return
		}
		s := wv.String()
		want, err := wv.Float64()
		if err != nil {
			c.fail(path, "golden number %s: %v", s, err)
			return
		}
		if !strings.ContainsAny(s, ".eE") {
			if gf != want {
				c.fail(path, "want exactly %s, got %v", s, gf)
			}
			return
		}
		if math.IsNaN(gf) || math.IsInf(gf, 0) {
			c.fail(path, "want %s, got %v", s, gf)
			return
		}
		if c.tol.Skip {
			return
		}
		if d := math.Abs(gf - want); d > c.tol.ATol+c.tol.RTol*math.Abs(want) {
			c.fail(path, "want %s, got %v (diff %.3g)", s, gf, d)
		}
	case []any:
		gs, ok := g.([]any)
		if !ok {
			c.fail(path, "want a list of %d, got %T", len(wv), g)
			return
		}
		if len(gs) != len(wv) {
			c.fail(path, "want a list of %d, got %d", len(wv), len(gs))
			return
		}
		for i := range wv {
			c.cmp(fmt.Sprintf("%s[%d]", path, i), wv[i], gs[i])
		}
	case map[string]any:
		gm, ok := g.(map[string]any)
		if !ok {
			c.fail(path, "want an object, got %T", g)
			return
		}
		keys := make([]string, 0, len(wv))
		for k := range wv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := gm[k]
			if !ok {
				c.fail(path+"."+k, "missing")
				continue
			}
			c.cmp(path+"."+k, wv[k], gv)
		}
	default:
		c.fail(path, "unexpected golden value %T", w)
	}
}
