package truth

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/credo-rl/credo/lab/env"
)

// softmaxTable is a tabular softmax policy with logits θ[key][a] (0 when
// absent) plus an optional fixed time-dependent offset b_t(s).
type softmaxTable struct {
	e      env.Env
	theta  map[string][]float64
	key    func(env.State, int) string
	offset func(env.State, int, int) float64
}

func (p *softmaxTable) policy(s env.State, t int) []float64 {
	legal := p.e.Legal(s)
	nA := len(p.e.Actions())
	th := p.theta[p.key(s, t)]
	out := make([]float64, nA)
	mx := math.Inf(-1)
	logit := func(a int) float64 {
		x := 0.0
		if th != nil {
			x = th[a]
		}
		if p.offset != nil {
			x += p.offset(s, t, a)
		}
		return x
	}
	for a := 0; a < nA; a++ {
		if legal == nil || legal[a] {
			mx = math.Max(mx, logit(a))
		}
	}
	sum := 0.0
	for a := 0; a < nA; a++ {
		if legal == nil || legal[a] {
			out[a] = math.Exp(logit(a) - mx)
			sum += out[a]
		}
	}
	for a := range out {
		out[a] /= sum
	}
	return out
}

// randomTheta fills θ for every key the solution reaches, with N(0, 1) logits.
func randomTheta(e env.Env, pol *softmaxTable, starts []env.Weighted, seed uint64) {
	sol, err := Solve(e, pol.policy, starts)
	if err != nil {
		panic(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	sol.Each(func(s env.State, t int) {
		k := pol.key(s, t)
		if pol.theta[k] == nil {
			th := make([]float64, len(e.Actions()))
			for a := range th {
				th[a] = rng.NormFloat64()
			}
			pol.theta[k] = th
		}
	})
}

// checkGradient compares grad with central finite differences of Value(role).
func checkGradient(t *testing.T, name string, e env.Env, pol *softmaxTable, starts []env.Weighted, role int, gamma float64, grad map[string][]float64) {
	t.Helper()
	const h = 1e-5
	J := func() float64 {
		s, err := SolveWith(e, pol.policy, starts, Options{Gamma: gamma})
		if err != nil {
			t.Fatal(err)
		}
		return s.Value(role)
	}
	// At most 60 coordinates, in key order (deterministic), to bound the time.
	keys := make([]string, 0, len(grad))
	for k := range grad {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	n := 0
	for _, k := range keys {
		row := grad[k]
		for a := range row {
			if n >= 60 {
				return
			}
			old := pol.theta[k][a]
			pol.theta[k][a] = old + h
			jp := J()
			pol.theta[k][a] = old - h
			jm := J()
			pol.theta[k][a] = old
			fd := (jp - jm) / (2 * h)
			if math.Abs(fd-row[a]) > 1e-7*(1+math.Abs(fd)) {
				t.Errorf("%s: ∂J/∂θ[%q][%d] = %.10f, finite difference %.10f", name, k, a, row[a], fd)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatalf("%s: empty gradient", name)
	}
}

func TestExactGradientFiniteDifferences(t *testing.T) {
	byKey := func(s env.State, t int) string { return s.Key() }
	for _, c := range []struct {
		spec  string
		gamma float64
	}{
		{"shortcut?size=4&actions=3", 1},
		{"umbrella?length=3&distractors=1", 1},
		{"umbrella?length=3&distractors=1", 0.8},
		{"delayed?size=4&actions=3", 0.9},
		{"arithchain?max_steps=2&horizon=4", 1},
	} {
		e, err := env.New(c.spec, 2)
		if err != nil {
			t.Fatal(err)
		}
		starts := startsOf(e, 2)
		pol := &softmaxTable{e: e, theta: map[string][]float64{}, key: byKey}
		randomTheta(e, pol, starts, 3)
		sol, err := SolveWith(e, pol.policy, starts, Options{Gamma: c.gamma})
		if err != nil {
			t.Fatal(err)
		}
		checkGradient(t, c.spec, e, pol, starts, 0, c.gamma, ExactGradient(e, sol, 0))
	}
}

// A time-aware policy softmax(θ_s + b_t(s)): the gradient with respect to
// the shared θ_s sums over t.
func TestExactGradientTimeAware(t *testing.T) {
	e, _ := env.New("shortcut?size=4&actions=3&skip=0.3", 4)
	starts := startsOf(e, 4)
	pol := &softmaxTable{e: e, theta: map[string][]float64{}, key: func(s env.State, t int) string { return s.Key() },
		offset: func(s env.State, t, a int) float64 { return math.Sin(float64(3*t + a + len(s.Key()))) }}
	randomTheta(e, pol, starts, 5)
	sol, _ := Solve(e, pol.policy, starts)
	g := ExactGradient(e, sol, 0)
	// The same state is reached at several t here (shortcuts), so the sum matters.
	multi := map[string]int{}
	sol.Each(func(s env.State, t int) { multi[s.Key()]++ })
	found := false
	for _, n := range multi {
		found = found || n > 1
	}
	if !found {
		t.Fatal("no state visited at two times: the test does not exercise the sum over t")
	}
	checkGradient(t, "time-aware", e, pol, starts, 0, 1, g)
	// Per-time parameters: ExactGradientBy with a key including t.
	polT := &softmaxTable{e: e, theta: map[string][]float64{}, key: func(s env.State, t int) string { return s.Key() + "@" + string(rune('0'+t)) }}
	randomTheta(e, polT, starts, 6)
	solT, _ := Solve(e, polT.policy, starts)
	checkGradient(t, "per-time", e, polT, starts, 0, 1, ExactGradientBy(solT, 0, polT.key))
}

// Two-player games: the gradient of J_role with respect to role's own
// decision states (opponent fixed), on information-set keys.
func TestExactGradientSelfPlay(t *testing.T) {
	for _, spec := range []string{"kuhn", "kuhn?rounds=2"} {
		e, _ := env.New(spec, 1)
		starts := e.StartDist()
		obs := func(s env.State, t int) string { return env.ObsKey(e, s) }
		pol := &softmaxTable{e: e, theta: map[string][]float64{}, key: obs}
		randomTheta(e, pol, starts, 7)
		sol, _ := Solve(e, pol.policy, starts)
		for role := 0; role < 2; role++ {
			g := ExactGradientBy(sol, role, obs)
			checkGradient(t, spec, e, pol, starts, role, 1, g)
		}
	}
}
