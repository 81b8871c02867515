package credit_test

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	_ "github.com/credo-rl/credo/method/ref" // registers verl.grpo, openrlhf.*
	"github.com/credo-rl/credo/rollout"
)

// Parameters are set by name or alias; each says where its default comes
// from, and values are checked against the declared range.
func ExampleMethod_Parse() {
	m, _ := credit.Lookup("openrlhf.compute_advantages_and_returns")
	v, err := m.Parse([]string{"lambd=0.9", "init_kl_coef=0.01"}) // OpenRLHF's flags
	fmt.Println(v.Float("lam"), v.Float("kl_coef"), err)
	p, _ := m.Param("lam")
	fmt.Println(p.Origin.Kind, p.Range)
	_, err = m.Parse([]string{"lam=1.5"})
	fmt.Println(err)
	// Output:
	// 0.9 0.01 <nil>
	// reference [0, 1]
	// method openrlhf.compute_advantages_and_returns: parameter lam: want a number in [0, 1], got 1.5
}

// A stage (hicra, lsc, clip_delta, ...) resolves its base method from its
// base and base_params values: here Dr.GRPO (verl.grpo without the std).
func ExampleBaseValues() {
	v := credit.Values{"base": "verl.grpo", "base_params": "norm_adv_by_std_in_grpo=false"}
	base, bv, err := credit.BaseValues("my.stage", v, nil)
	fmt.Println(base.Name, bv.Bool("norm_adv_by_std_in_grpo"), bv.Float("epsilon"), err)
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{
		{ID: "a", Group: "g", Tokens: []int64{1, 2}, Rewards: map[string]float64{"outcome": 1}},
		{ID: "b", Group: "g", Tokens: []int64{1, 2}, Rewards: map[string]float64{"outcome": 0}},
	}}
	fmt.Println(base.Assign(b, bv), b.Trajectories[0].Advantages, b.Trajectories[1].Advantages)
	// Output:
	// verl.grpo false 1e-06 <nil>
	// <nil> [0.5 0.5] [-0.5 -0.5]
}

// A parameter is declared once, as a typed handle; the method lists it in
// its Params and its run function reads it through Get, which returns a
// float64 (a name misspelt in a look-up by string would read 0). Here a
// toy method gives every token its outcome times scale: outcome 3 with
// scale=0.5 gives 1.5.
func ExampleP() {
	pScale := credit.FloatParam{Param: credit.Param{Name: "scale", Kind: credit.Float, Default: 1.0,
		Doc: "multiplies the outcome", Origin: credit.ByCredo("1 leaves the outcome as it is"), Range: credit.NonNeg}}
	m := &credit.Method{Name: "example.scaled_outcome", Summary: "outcome times scale on every token",
		Params: credit.Params(pScale, credit.Reward), Inputs: []credit.Input{credit.InOutcome},
		Outputs: []string{"advantages"}, Scope: credit.ScopeGroup,
		Run: func(b *rollout.Batch, v credit.Values) error {
			for _, t := range b.Trajectories {
				r, _ := credit.Outcome(t, credit.Reward.Get(v))
				t.Advantages = make([]float64, t.Len())
				for i := range t.Advantages {
					t.Advantages[i] = pScale.Get(v) * r
				}
			}
			return nil
		}}
	v, err := m.Parse([]string{"scale=0.5"})
	fmt.Println(pScale.Get(v), err)
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{
		{ID: "a", Group: "g", Tokens: []int64{4, 5}, Rewards: map[string]float64{"outcome": 3}},
	}}
	fmt.Println(m.Assign(b, v), b.Trajectories[0].Advantages)
	// Output:
	// 0.5 <nil>
	// <nil> [1.5 1.5]
}

// A method declares the per-token arrays it reads; a reader can then leave
// the others undecoded (credo assign from Parquet to Parquet does).
func ExampleMethod_ArraysRead() {
	m := &credit.Method{Name: "example.outcome", Reads: credit.ReadsMask | credit.ReadsTokenRewards}
	fmt.Println(m.ArraysRead(nil).Names())
	fmt.Println((&credit.Method{Name: "undeclared"}).ArraysRead(nil) == credit.AllArrays)
	gae, _ := credit.Lookup("verl.gae")
	fmt.Println(gae.ArraysRead(nil))
	// Output:
	// [response_mask token_level_rewards]
	// true
	// response_mask, token_level_rewards, values
}
