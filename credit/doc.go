// Package credit is credo's method registry: every credit-assignment method,
// selectable by a stable name ("verl.grpo", "verl_agent.gigpo",
// "openrlhf.gae", "pure.credit_assignment", ...), with its parameters and
// defaults, the inputs it needs, and its provenance.
//
// A Method reads a rollout.Batch and writes per-token Advantages (and Returns
// where the method defines them) into its trajectories. The numerical work is
// done by the estimator packages under anchor/; this package only maps the
// data model onto their arrays and back, checks that the inputs a method
// needs are present, and parses parameters.
//
//	m, _ := credit.Lookup("verl.grpo")
//	vals, _ := m.Parse([]string{"norm_adv_by_std_in_grpo=false"})
//	err := m.Assign(batch, vals)
package credit
