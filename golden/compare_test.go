package golden

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestCompare(t *testing.T) {
	cases := []struct {
		name string
		want string
		got  any
		tol  Tol
		ok   bool
	}{
		{"within tolerance", `[[1.0, 2.0]]`, [][]float64{{1.0000001, 2}}, Float32Tol, true},
		{"outside tolerance", `[[1.0, 2.0]]`, [][]float64{{1.001, 2}}, Float32Tol, false},
		{"integer must be exact", `[1, 2]`, []float64{1, 2.0000001}, Float32Tol, false},
		{"integer exact", `[1, 2]`, []int{1, 2}, Float32Tol, true},
		{"nan", `["NaN", "-Infinity"]`, []float64{math.NaN(), math.Inf(-1)}, Float32Tol, true},
		{"nan vs number", `["NaN"]`, []float64{0}, Float32Tol, false},
		{"shape", `[[1.0], [2.0]]`, [][]float64{{1}}, Float32Tol, false},
		{"skip numbers, keep shape", `[[1.0, 5.0]]`, [][]float64{{3, 4}}, Tol{Skip: true}, true},
		{"skip keeps finiteness", `[[1.0]]`, [][]float64{{math.NaN()}}, Tol{Skip: true}, false},
		{"null", `[null, 1.5]`, []*float64{nil, ptr(1.5)}, Float64Tol, true},
		{"missing key", `{"a": 1.0, "b": 2.0}`, map[string]any{"a": 1.0}, Float64Tol, false},
		{"bool", `[true, false]`, []bool{true, false}, Float64Tol, true},
		{"string", `["x"]`, []string{"y"}, Float64Tol, false},
	}
	for _, c := range cases {
		msgs := Compare(json.RawMessage(c.want), c.got, c.tol, 0)
		if (len(msgs) == 0) != c.ok {
			t.Errorf("%s: problems %v, want ok=%v", c.name, msgs, c.ok)
		}
	}
}

func ptr(x float64) *float64 { return &x }

func TestRunCaseRejectsAcceptedError(t *testing.T) {
	c := &Case{Name: "bad", Outputs: map[string]json.RawMessage{"error": json.RawMessage(`"ValueError: x"`)}}
	accept := func(*Case) (Outputs, error) { return Outputs{}, nil }
	if r := RunCase("x.y", accept, c); r.Pass {
		t.Fatal("a case the reference rejects passed although credo accepted it")
	}
	reject := func(*Case) (Outputs, error) { return nil, errors.New("no") }
	if r := RunCase("x.y", reject, c); !r.Pass {
		t.Fatal("a rejected error case failed")
	}
	missing := &Case{Name: "m", Outputs: map[string]json.RawMessage{"advantages": json.RawMessage(`[1.0]`)}}
	if r := RunCase("x.y", accept, missing); r.Pass {
		t.Fatal("an output that was not produced passed")
	}
	panics := func(*Case) (Outputs, error) { panic("boom") }
	if r := RunCase("x.y", panics, missing); r.Pass {
		t.Fatal("a panicking adapter passed")
	}
}
