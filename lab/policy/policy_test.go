package policy

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/internal/toyenv"
)

// checkGrad compares AddGradLogProb with central finite differences of log π(a|s).
func checkGrad(t *testing.T, p Policy, s env.State, tt, a int) {
	t.Helper()
	p.Probs(s, tt)
	g := make([]float64, p.Dim())
	p.AddGradLogProb(g, s, tt, a, 1)
	th := p.Params()
	const h = 1e-6
	for i := range th {
		old := th[i]
		th[i] = old + h
		up := math.Log(p.Probs(s, tt)[a])
		th[i] = old - h
		dn := math.Log(p.Probs(s, tt)[a])
		th[i] = old
		if fd := (up - dn) / (2 * h); math.Abs(fd-g[i]) > 1e-6 {
			t.Fatalf("param %d: analytic %v, finite difference %v", i, g[i], fd)
		}
	}
}

func TestTabularGradient(t *testing.T) {
	e := toyenv.NewNim()
	p := NewTabular(e, 1, 3)
	s := e.StartDist()[2].S // pile 5: both actions legal
	checkGrad(t, p, s, 0, 1)
	pr := p.Probs(s, 0)
	if math.Abs(pr[0]+pr[1]-1) > 1e-12 {
		t.Fatalf("probabilities %v do not sum to 1", pr)
	}
}

func TestTabularIllegalAction(t *testing.T) {
	e := toyenv.NewNim()
	p := NewTabular(e, 1, 3)
	s := e.Step(e.StartDist()[0].S, 0, 1)[0].Next // pile 3 − 2 = 1: take2 illegal
	if pr := p.Probs(s, 1); pr[1] != 0 || pr[0] != 1 {
		t.Fatalf("probabilities %v, want [1 0] with take2 illegal", pr)
	}
}

func TestTabularOrderIndependent(t *testing.T) {
	e := toyenv.NewNim()
	a, b := NewTabular(e, 1, 9), NewTabular(e, 1, 9)
	sd := e.StartDist()
	a.Probs(sd[0].S, 0)
	pa := a.Probs(sd[1].S, 0)
	pb := b.Probs(sd[1].S, 0) // first seen by b
	if pa[0] != pb[0] || pa[1] != pb[1] {
		t.Fatalf("initial logits depend on the order states are met: %v vs %v", pa, pb)
	}
}

func TestMLPGradient(t *testing.T) {
	e := toyenv.NewCorridor()
	s := e.Start(rand.New(rand.NewPCG(1, 1)))
	p := NewMLP(e, 5, true, s, 4)
	// give the output layer non-zero weights so every term is exercised
	r := rand.New(rand.NewPCG(2, 2))
	for i := range p.Params() {
		p.Params()[i] = 0.5 * r.NormFloat64()
	}
	checkGrad(t, p, s, 2, 0)
	checkGrad(t, p, s, 1, 2)
}

func TestAdamDescends(t *testing.T) {
	// minimise (θ − 3)²: Adam moves θ toward 3.
	th := []float64{0}
	o := NewAdam(0.1)
	for i := 0; i < 200; i++ {
		o.Step(th, []float64{2 * (th[0] - 3)})
	}
	if math.Abs(th[0]-3) > 0.1 {
		t.Fatalf("θ = %v, want ≈ 3", th[0])
	}
}
