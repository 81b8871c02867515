// Package verlagent registers the golden adapters of the verl-agent anchor
// (package anchor/verlagent): verl_agent.grpo, verl_agent.rloo,
// verl_agent.reinforce_plus_plus_baseline, verl_agent.step_discounted_returns
// and verl_agent.gigpo.
package verlagent
