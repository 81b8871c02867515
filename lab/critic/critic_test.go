package critic

import (
	"math"
	"testing"

	"github.com/credo-rl/credo/lab/internal/toyenv"
)

type key string

func (k key) Key() string { return string(k) }

func TestTableFitMeansPerKey(t *testing.T) {
	c := NewTable(true, 0.1)
	ins := []Input{{S: key("a"), T: 0}, {S: key("a"), T: 0}, {S: key("a"), T: 1}, {S: key("b"), T: 0, Role: 1}}
	c.Fit(ins, []float64{1, 3, 5, -2})
	// (a, t=0): mean(1, 3) = 2; (a, t=1): 5; (b, role 1): −2.
	if v := c.V(key("a"), 0, 0); v != 2 {
		t.Fatalf("V(a, 0) = %g", v)
	}
	if v := c.V(key("a"), 1, 0); v != 5 {
		t.Fatalf("V(a, 1) = %g", v)
	}
	if v := c.V(key("b"), 0, 1); v != -2 {
		t.Fatalf("V(b, 0, role 1) = %g", v)
	}
	// Unseen keys: 0 and not covered (role and time are part of the key).
	for _, in := range []Input{{S: key("b"), T: 0, Role: 0}, {S: key("a"), T: 2}, {S: key("c")}} {
		if c.Has(in) || c.Get(in) != 0 {
			t.Fatalf("unseen %+v: has %v, value %g", in, c.Has(in), c.Get(in))
		}
	}
	if !c.Has(Input{S: key("a"), T: 1}) {
		t.Fatal("fitted key not covered")
	}
	// Without time indexing the times share one value: mean(1, 3, 5) = 3.
	u := NewTable(false, 0.1)
	u.Fit(ins[:3], []float64{1, 3, 5})
	if v := u.V(key("a"), 7, 0); v != 3 {
		t.Fatalf("untimed V = %g", v)
	}
}

func TestQTableKeysActions(t *testing.T) {
	q := NewTable(true, 0.1)
	q.Action = true
	q.Fit([]Input{{S: key("s"), A: 0}, {S: key("s"), A: 1}, {S: key("s"), A: 1}}, []float64{1, 2, 4})
	if q.Q(key("s"), 0, 0, 0) != 1 || q.Q(key("s"), 0, 0, 1) != 3 || q.Q(key("s"), 0, 0, 2) != 0 {
		t.Fatalf("Q = %g %g %g", q.Q(key("s"), 0, 0, 0), q.Q(key("s"), 0, 0, 1), q.Q(key("s"), 0, 0, 2))
	}
}

func TestTableUpdateFirstAdamStep(t *testing.T) {
	// One update of a fresh table towards targets 1 (key a) and −3 (key b):
	// Adam's first step is lr·g/(|g| + ε) per parameter, i.e. lr towards
	// the target whatever the loss scale.
	c := NewTable(false, 0.1)
	ins := [][]Input{{{S: key("a")}, {S: key("b")}}}
	loss, err := c.Update(ins, [][]float64{{0, 0}}, [][]float64{{1, -3}})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(c.V(key("a"), 0, 0)-0.1) > 1e-6 || math.Abs(c.V(key("b"), 0, 0)+0.1) > 1e-6 {
		t.Fatalf("after one step: V(a) = %g, V(b) = %g", c.V(key("a"), 0, 0), c.V(key("b"), 0, 0))
	}
	// verl's value loss is 0.5·mean((v − R)²) = 0.5·(1 + 9)/2 = 2.5 at v = 0.
	if math.Abs(loss-2.5) > 1e-12 {
		t.Fatalf("loss %g, want 2.5", loss)
	}
}

func TestLinearValueAndFit(t *testing.T) {
	e := toyenv.NewCorridor()
	starts := e.StartDist()
	c := NewLinear(e, starts[0].S, true, 0.05)
	// x = features (one-hot position, then a constant 1) ++ bias 1 ++ t/H.
	in := len(e.Features(starts[0].S)) + 2
	if len(c.params) != in {
		t.Fatalf("%d parameters, want %d", len(c.params), in)
	}
	for i := range c.params {
		c.params[i] = float64(i + 1)
	}
	// start 1 is at position 1: feature 1 (weight 2) and the constant
	// feature 5 (weight 6) are on, bias weight 7, t/H = 4/8 with weight 8.
	if v := c.V(starts[1].S, 4, 0); v != 2+6+7+8*0.5 {
		t.Fatalf("V = %g, want 19", v)
	}
	// Fitting: targets linear in the features are recovered.
	c = NewLinear(e, starts[0].S, true, 0.05)
	var ins []Input
	var tg []float64
	for i, w := range starts {
		for tt := 0; tt < 3; tt++ {
			ins = append(ins, Input{S: w.S, T: tt})
			tg = append(tg, float64(i)-0.5*float64(tt)/8)
		}
	}
	old := make([]float64, len(ins))
	for k := 0; k < 3000; k++ {
		if _, err := c.Update([][]Input{ins}, [][]float64{old}, [][]float64{tg}); err != nil {
			t.Fatal(err)
		}
	}
	for i, x := range ins {
		if d := math.Abs(c.V(x.S, x.T, 0) - tg[i]); d > 1e-2 {
			t.Fatalf("after fitting, |V − target| = %g at %d", d, i)
		}
	}
}

func TestLinearFitEqualsUpdates(t *testing.T) {
	e := toyenv.NewCorridor()
	starts := e.StartDist()
	var ins []Input
	var tg []float64
	for i, w := range starts {
		for tt := 0; tt < 4; tt++ {
			ins = append(ins, Input{S: w.S, T: tt})
			tg = append(tg, math.Sin(float64(3*i+tt)))
		}
	}
	a := NewLinear(e, starts[0].S, true, 0.05)
	b := NewLinear(e, starts[0].S, true, 0.05)
	old := make([]float64, len(ins))
	for k := 0; k < 50; k++ {
		if _, err := a.Update([][]Input{ins}, [][]float64{old}, [][]float64{tg}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Fit(ins, tg, 50); err != nil {
		t.Fatal(err)
	}
	for i := range a.params {
		if a.params[i] != b.params[i] {
			t.Fatalf("parameter %d: Update %v, Fit %v", i, a.params[i], b.params[i])
		}
	}
}
