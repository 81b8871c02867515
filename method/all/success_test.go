package all

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/internal/rolloutgen"
	"github.com/credo-rl/credo/rollout"
)

// orderExceptions are the methods whose per-trajectory credit depends on
// the order of the trajectories in the batch, by design, with the reason
// and the parameters under which the order no longer matters (tested
// instead).
var orderExceptions = map[string]struct {
	why  string
	sets []string
}{
	"spo.tree": {"dedupe trains a segment shared by several responses once, in the first of them in batch order (SPO-tree makes one " +
		"training sample per edge; which copy carries it is arbitrary)", []string{"dedupe=false"}},
	"spiral.rae": {"the EMA baseline per (game, role) is read and updated game by game in batch order, as the reference's " +
		"prepare_trajectories does; a batch of games is a sequence", []string{"use_role_baseline=false"}},
}

// orderTolerance widens the comparison of shuffled runs for methods that
// accumulate in float32 as their reference does.
var orderTolerance = map[string]float64{
	"verl.grpo_vectorized": 1e-5, // verl's vectorised GRPO: one-pass float32 sums, so rounding follows the row order
}

// maskExceptions are the methods that may give non-zero advantages to
// tokens whose response_mask is 0, with the reason. All are reference
// profiles reproducing their reference's arrays; the trainer's loss
// multiplies by the mask, so these values carry no gradient.
var maskExceptions = map[string]string{
	"verl.gae":                    "verl's masked_whiten shifts and scales every position, masked ones included (anchor/verl/gae.go)",
	"verl.remax":                  "verl's ReMax returns are not re-masked: a masked token keeps the return of the tokens after it (anchor/verl/remax.go)",
	"openrlhf.gae":                "OpenRLHF's GAE runs through masked positions (values and rewards zeroed, no skipping; anchor/openrlhf)",
	"openrlhf.cumulative_returns": "OpenRLHF's discounted returns run through masked positions (only rewards are zeroed; anchor/openrlhf/returns.go)",
	"openrlhf.compute_advantages_and_returns": "OpenRLHF's pipeline: GAE/returns through masked positions, not re-zeroed after whitening (anchor/openrlhf/pipeline.go)",
	"openrlhf.reinforce":                      "a profile of OpenRLHF's pipeline (openrlhf.compute_advantages_and_returns with advantage_estimator=reinforce): not re-zeroed after whitening",
	"openrlhf.rloo":                           "a profile of OpenRLHF's pipeline (openrlhf.compute_advantages_and_returns with advantage_estimator=rloo): not re-zeroed after whitening",
	"openrlhf.reinforce_baseline":             "a profile of OpenRLHF's pipeline (openrlhf.compute_advantages_and_returns with advantage_estimator=reinforce_baseline): not re-zeroed after whitening",
	"openrlhf.group_norm":                     "a profile of OpenRLHF's pipeline (openrlhf.compute_advantages_and_returns with advantage_estimator=group_norm): not re-zeroed after whitening",
	"openrlhf.dr_grpo":                        "a profile of OpenRLHF's pipeline (openrlhf.compute_advantages_and_returns with advantage_estimator=dr_grpo): not re-zeroed after whitening",
	"pure.credit_assignment":                  "PURE's returns run through masked positions and the normalisation is not re-masked (anchor/pure)",
	"pure.credit_assignment.corrected":        "as pure.credit_assignment: only the normalisation's statistics are corrected",
}

// genConfigs are the batch shapes every method runs on.
var genConfigs = map[string]rolloutgen.Config{
	"tree":          {},
	"no links":      {NoLinks: true},
	"token rewards": {TokenRewards: true},
	"one group":     {Groups: 1, PerGroup: 5},
	"pairs":         {Groups: 4, PerGroup: 2, Steps: 2},
}

// creditMethods are the registered methods that assign credit.
func creditMethods() []*credit.Method {
	var out []*credit.Method
	for _, m := range credit.All() {
		if m.GoAPI == "" {
			out = append(out, m)
		}
	}
	return out
}

// TestEveryMethodSucceeds runs every registered method that assigns credit
// on valid generated batches (its declared inputs, rolloutgen) and checks
// its success path: finite outputs of the right length, zero advantage on
// masked tokens, inputs left unchanged, two runs identical, and the same
// per-trajectory credit when the trajectories (and so the groups) are
// shuffled.
func TestEveryMethodSucceeds(t *testing.T) {
	for _, m := range creditMethods() {
		nonzero := 0
		for cname, cfg := range genConfigs {
			for seed := uint64(1); seed <= 2; seed++ {
				t.Run(fmt.Sprintf("%s/%s/%d", m.Name, cname, seed), func(t *testing.T) {
					nonzero += checkSuccess(t, m, nil, seed, cfg)
				})
			}
		}
		// A default that nulls the signal (every advantage 0 on every
		// random batch) is a trap.
		if slicesHas(m.Outputs, "advantages") && nonzero == 0 {
			t.Errorf("%s: every advantage is 0 on every generated batch under the defaults", m.Name)
		}
		if ex, ok := orderExceptions[m.Name]; ok && len(ex.sets) > 0 {
			v, err := m.Parse(ex.sets)
			if err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			t.Run(m.Name+"/order-free setting", func(t *testing.T) {
				for seed := uint64(1); seed <= 4; seed++ {
					checkSuccessOrder(t, m, v, seed, rolloutgen.Config{}, true)
				}
			})
		}
	}
}

// optionNeeds lists the parameters an alternative value requires (a
// required parameter has no default to fall back on).
var optionNeeds = map[string][]string{
	"clip_delta/eta_mode=fixed": {"eta=0.5"},
}

// TestEveryOptionSucceeds runs the success path once more for every
// alternative value of every choice parameter and every flipped boolean
// parameter (one at a time, over the defaults).
func TestEveryOptionSucceeds(t *testing.T) {
	for _, m := range creditMethods() {
		for _, p := range m.Params {
			var alts []string
			switch p.Kind {
			case credit.Bool:
				alts = []string{fmt.Sprint(!p.Default.(bool))}
			case credit.String:
				for _, c := range p.Choices {
					if c != p.Default {
						alts = append(alts, c)
					}
				}
			}
			for _, a := range alts {
				set := p.Name + "=" + a
				t.Run(m.Name+"/"+set, func(t *testing.T) {
					sets := append([]string{set}, optionNeeds[m.Name+"/"+set]...)
					v, err := m.Parse(sets)
					if err != nil {
						t.Fatal(err)
					}
					checkSuccess(t, m, v, 1, rolloutgen.Config{})
				})
			}
		}
	}
}

// checkSuccess runs the success-path checks and returns the number of
// non-zero advantages.
func checkSuccess(t *testing.T, m *credit.Method, v credit.Values, seed uint64, cfg rolloutgen.Config) int {
	_, exempt := orderExceptions[m.Name]
	return checkSuccessOrder(t, m, v, seed, cfg, !exempt)
}

func checkSuccessOrder(t *testing.T, m *credit.Method, v credit.Values, seed uint64, cfg rolloutgen.Config, order bool) int {
	t.Helper()
	if v == nil {
		v = m.Defaults()
	}
	orig, err := rolloutgen.Batch(seed, m, v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b1 := rolloutgen.Clone(orig)
	if err := m.Assign(b1, v); err != nil {
		t.Fatalf("success path failed: %v", err)
	}
	writesAdv := slicesHas(m.Outputs, "advantages")
	nonzero := 0
	for i, tr := range b1.Trajectories {
		for _, a := range tr.Advantages {
			if a != 0 {
				nonzero++
			}
		}
		if writesAdv && len(tr.Advantages) != tr.Len() {
			t.Fatalf("%s: %d advantages for %d tokens", tr.ID, len(tr.Advantages), tr.Len())
		}
		for name, xs := range map[string][]float64{"advantages": tr.Advantages, "returns": tr.Returns, "loss_weights": tr.LossWeights, "token_level_rewards": tr.TokenRewards} {
			if xs != nil && len(xs) != tr.Len() {
				t.Fatalf("%s: %d %s for %d tokens", tr.ID, len(xs), name, tr.Len())
			}
			for u, x := range xs {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("%s: %s[%d] = %v", tr.ID, name, u, x)
				}
			}
		}
		for k, s := range tr.Steps {
			for key, x := range s.Labels {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("%s: steps[%d].labels.%s = %v", tr.ID, k, key, x)
				}
			}
		}
		if _, ex := maskExceptions[m.Name]; !ex {
			for u, a := range tr.Advantages {
				if tr.MaskAt(u) == 0 && a != 0 {
					t.Fatalf("%s: advantage %v on token %d whose response_mask is 0", tr.ID, a, u)
				}
			}
		}
		// Inputs unchanged: the record without the method's outputs.
		if got, want := inputsOf(m, v, tr), inputsOf(m, v, orig.Trajectories[i]); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: the method changed its inputs:\n got  %+v\n want %+v", tr.ID, got, want)
		}
	}
	// Determinism.
	b2 := rolloutgen.Clone(orig)
	if err := m.Assign(b2, v); err != nil {
		t.Fatalf("second run: %v", err)
	}
	for i := range b1.Trajectories {
		if !reflect.DeepEqual(outputsOf(m, v, b1.Trajectories[i]), outputsOf(m, v, b2.Trajectories[i])) {
			t.Fatalf("%s: two runs differ", b1.Trajectories[i].ID)
		}
	}
	if !order {
		return nonzero
	}
	// Order of trajectories and groups.
	rng := rand.New(rand.NewPCG(seed, 99))
	b3 := rolloutgen.Clone(orig)
	rng.Shuffle(len(b3.Trajectories), func(i, j int) { b3.Trajectories[i], b3.Trajectories[j] = b3.Trajectories[j], b3.Trajectories[i] })
	if err := m.Assign(b3, v); err != nil {
		t.Fatalf("shuffled batch: %v", err)
	}
	byID := map[string]*rollout.Trajectory{}
	for _, tr := range b3.Trajectories {
		byID[tr.ID] = tr
	}
	for _, tr := range b1.Trajectories {
		if d := outputDiff(outputsOf(m, v, tr), outputsOf(m, v, byID[tr.ID]), orderTolerance[m.Name]); d != "" {
			t.Fatalf("%s: credit depends on the order of the batch: %s", tr.ID, d)
		}
	}
	return nonzero
}

func slicesHas(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// labelKey is the step label a label-writing method writes ("" = none).
func labelKey(m *credit.Method, v credit.Values) string {
	for _, o := range m.Outputs {
		if strings.HasPrefix(o, "steps[].labels.") {
			return v.String("label_key")
		}
	}
	return ""
}

func writesTokenRewards(m *credit.Method, v credit.Values) bool {
	for _, o := range m.Outputs {
		if strings.HasPrefix(o, "token_level_rewards") {
			return v.Bool("write_token_rewards")
		}
	}
	return false
}

// inputsOf is tr without the outputs of m.
func inputsOf(m *credit.Method, v credit.Values, tr *rollout.Trajectory) *rollout.Trajectory {
	c := rolloutgen.CloneTrajectory(tr)
	c.Advantages, c.Returns, c.LossWeights = nil, nil, nil
	if writesTokenRewards(m, v) {
		c.TokenRewards = nil
	}
	if k := labelKey(m, v); k != "" {
		for i := range c.Steps {
			delete(c.Steps[i].Labels, k)
		}
	}
	return c
}

// outputsOf lists tr's outputs of m by name.
func outputsOf(m *credit.Method, v credit.Values, tr *rollout.Trajectory) map[string][]float64 {
	out := map[string][]float64{"advantages": tr.Advantages, "returns": tr.Returns, "loss_weights": tr.LossWeights}
	if writesTokenRewards(m, v) {
		out["token_level_rewards"] = tr.TokenRewards
	}
	if k := labelKey(m, v); k != "" {
		var ls []float64
		for _, s := range tr.Steps {
			ls = append(ls, s.Labels[k])
		}
		out["labels"] = ls
	}
	return out
}

// outputDiff compares outputs up to rounding (summation order may change
// with the order of the batch).
func outputDiff(a, b map[string][]float64, tol float64) string {
	if tol == 0 {
		tol = 1e-9
	}
	for k, xs := range a {
		ys := b[k]
		if (xs == nil) != (ys == nil) || len(xs) != len(ys) {
			return fmt.Sprintf("%s: %v vs %v", k, xs, ys)
		}
		for i := range xs {
			if math.Abs(xs[i]-ys[i]) > tol*(1+math.Abs(xs[i])) {
				return fmt.Sprintf("%s[%d]: %v vs %v (%v vs %v)", k, i, xs[i], ys[i], xs, ys)
			}
		}
	}
	return ""
}
