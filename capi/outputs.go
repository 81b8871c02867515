package main

import (
	"encoding/json"
	"math"
	"reflect"

	"github.com/credo-rl/credo/golden"
)

// marshalOutputs encodes adapter outputs as JSON, spelling non-finite
// numbers as the golden files do ("NaN", "Infinity", "-Infinity").
func marshalOutputs(o golden.Outputs) ([]byte, error) {
	return json.Marshal(map[string]any{"outputs": spellNonFinite(golden.Normalize(reflect.ValueOf(map[string]any(o))))})
}

// spellNonFinite replaces non-finite numbers of a plain value (see
// golden.Normalize) by their golden spelling.
func spellNonFinite(x any) any {
	switch y := x.(type) {
	case float64:
		switch {
		case math.IsNaN(y):
			return "NaN"
		case math.IsInf(y, 1):
			return "Infinity"
		case math.IsInf(y, -1):
			return "-Infinity"
		}
	case []any:
		for i := range y {
			y[i] = spellNonFinite(y[i])
		}
	case map[string]any:
		for k, v := range y {
			y[k] = spellNonFinite(v)
		}
	}
	return x
}
