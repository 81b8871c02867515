// Package credit is credo's method registry: every credit-assignment method,
// selectable by a stable name ("verl.grpo", "verl_agent.gigpo",
// "openrlhf.gae", "pure.credit_assignment", ...), with its parameters and
// defaults, the inputs it needs, and its provenance.
//
// A Method reads a rollout.Batch and writes per-token Advantages (and Returns
// where the method defines them) into its trajectories. This package holds
// the registry and its machinery only: methods, typed parameter handles (P)
// and their parsing and checks, inputs, stages over a base method, state
// carried across calls, and the data-model helpers the bindings share
// (TokenRewards, Masks, Store, ...). The methods themselves register from
// other packages: the bindings of the reference reproductions (anchor/...)
// from method/ref, the rest of the catalogue from method/group, method/turn,
// method/token, method/process, method/tree and method/reward; a program
// imports method/all to have them all.
//
//	import _ "github.com/credo-rl/credo/method/all"
//
//	m, _ := credit.Lookup("verl.grpo")
//	vals, _ := m.Parse([]string{"norm_adv_by_std_in_grpo=false"})
//	err := m.Assign(batch, vals)
package credit
