package matrix

import (
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/lab/train"
	_ "github.com/credo-rl/credo/method/all" // the tests score methods of every family
)

// The engine's REINFORCE loss on Monte Carlo returns is an unbiased
// estimate of the policy gradient: averaged over many batches it points
// along the exact gradient of the tabular softmax.
func TestEstimatedGradientMatchesExact(t *testing.T) {
	x := &run.Ctx{Name: "test", Seeds: []uint64{3}, Quick: true}
	w, err := newWorld(x, "toy_corridor", 3, Size{P: 3, N: 16, R: 40, Warm: 1})
	if err != nil {
		t.Fatal(err)
	}
	tm, err := train.NewMethod("openrlhf.cumulative_returns", map[string]any{"gamma": 1.0})
	if err != nil {
		t.Fatal(err)
	}
	mean := map[string][]float64{}
	exact := map[string][]float64{}
	for k := range w.batches {
		b, eps, err := w.build(k, train.Profile{}, false, buildVariant{})
		if err != nil {
			t.Fatal(err)
		}
		if err := tm.Assign(b); err != nil {
			t.Fatal(err)
		}
		g, err := train.EstimatedGradient(w.pol, b)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := w.or.ExactGradient(w.pol, b, eps)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			src, dst map[string][]float64
		}{{g, mean}, {ex, exact}} {
			for key, v := range p.src {
				if p.dst[key] == nil {
					p.dst[key] = make([]float64, len(v))
				}
				for i, y := range v {
					p.dst[key][i] += y
				}
			}
		}
	}
	if c := score.Cosine(mean, exact); c < 0.9 {
		t.Fatalf("cosine of the mean REINFORCE estimate with the exact gradient = %v, want > 0.9", c)
	}
}

func TestMatrixToy(t *testing.T) {
	x := &run.Ctx{Name: "matrix", Seeds: []uint64{5}, Quick: true}
	w, err := newWorld(x, "toy_corridor", 5, Size{P: 3, N: 8, R: 2, Warm: 2})
	if err != nil {
		t.Fatal(err)
	}
	m := mustMethod(t, "verl.grpo")
	c := w.scoreMethod(m)
	if c.Status != "ok" || !(c.Metrics["pearson"] > 0) || c.Metrics["coverage"] != 1 {
		t.Fatalf("verl.grpo on the toy corridor: %+v", c)
	}
	// spiral.rae needs per-player rewards: not applicable to a single agent.
	if c := w.scoreMethod(mustMethod(t, "spiral.rae")); c.Status != "n/a" || !strings.Contains(c.Reason, "rewards.0") {
		t.Fatalf("spiral.rae on a single-agent task: %+v", c)
	}
}

func mustMethod(t *testing.T, name string) *credit.Method {
	t.Helper()
	m, err := credit.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
