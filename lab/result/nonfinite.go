package result

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
)

// NonFinite lists the NaN and ±Inf numbers of v (a result, a slice of
// them, any value made of structs, slices, maps and pointers) by path, as
// strconv writes them. JSON has no such numbers: results.json writes
// them as null and keeps this map beside them (Report.NonFinite), so that
// a report read back is the report written. Free-form values inside
// interfaces (a result's Config) are not visited.
func NonFinite(v any) map[string]string {
	m := map[string]string{}
	visitFloats(reflect.ValueOf(v), "", func(path string, f reflect.Value) {
		if x := f.Float(); math.IsNaN(x) || math.IsInf(x, 0) {
			m[path] = strconv.FormatFloat(x, 'g', -1, 64)
		}
	})
	return m
}

// SetNonFinite stores the numbers NonFinite listed back into v (which must
// be a pointer, or a slice or map of pointers, so that its numbers can be
// set). It fails when a path finds no number: v is not the value the map
// was made from.
func SetNonFinite(v any, m map[string]string) error {
	set := 0
	var bad error
	visitFloats(reflect.ValueOf(v), "", func(path string, f reflect.Value) {
		s, ok := m[path]
		if !ok {
			return
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || !(math.IsNaN(x) || math.IsInf(x, 0)) {
			bad = fmt.Errorf("non_finite[%q] = %q: want NaN, +Inf or -Inf", path, s)
			return
		}
		if !f.CanSet() {
			bad = fmt.Errorf("non_finite[%q]: the number cannot be set (pass a pointer)", path)
			return
		}
		f.SetFloat(x)
		set++
	})
	if bad != nil {
		return bad
	}
	if set != len(m) {
		return fmt.Errorf("%d of %d non-finite numbers found no place in the results (written by another build of credo?)", len(m)-set, len(m))
	}
	return nil
}

// visitFloats calls fn with the path and the value of every float64 (or
// named float type) in v's exported fields, slices, arrays, maps and
// pointers. Map values are visited in copies that are stored back, so fn
// may set them.
func visitFloats(v reflect.Value, path string, fn func(path string, f reflect.Value)) {
	switch v.Kind() {
	case reflect.Float64, reflect.Float32:
		fn(path, v)
	case reflect.Pointer:
		if !v.IsNil() {
			visitFloats(v.Elem(), path, fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				visitFloats(v.Field(i), path+"."+t.Field(i).Name, fn)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			visitFloats(v.Index(i), path+"["+strconv.Itoa(i)+"]", fn)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			visitFloats(e, fmt.Sprintf("%s[%v]", path, k), fn)
			v.SetMapIndex(k, e)
		}
	}
}
