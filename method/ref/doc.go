// Package ref binds the reference reproductions of package anchor to the
// registry (package credit): importing it registers every reference
// profile under its stable name, as its users select it — verl's
// algorithm.adv_estimator values ("verl.grpo", "verl.gae", ...),
// verl-agent's ("verl_agent.gigpo", ...), OpenRLHF's
// --advantage_estimator values ("openrlhf.reinforce_baseline", ...),
// PURE's, IGPO's, SPIRAL's, SPO's and TreeRL's.
//
// One file per reference, each beside nothing but its own reference:
//
//   - verl.go (anchor/verl) and verl_sums.go, the two-pass forms of verl's
//     batch-whitened estimators for credo assign;
//   - verlagent.go (anchor/verlagent): verl-agent's step rows and GiGPO;
//   - openrlhf.go (anchor/openrlhf): the shaping pipeline and its
//     --advantage_estimator profiles; blocks.go orders a batch into the
//     equal-size group blocks that OpenRLHF and PURE read;
//   - pure.go (anchor/pure), igpo.go (anchor/igpo), spiral.go
//     (anchor/spiral);
//   - spo.go and treerl.go (anchor/spo, anchor/treerl, through the tree
//     estimators of package method/tree).
//
// A binding maps the data model (package rollout) onto the anchor's arrays
// and back; the numerics, with their quirks and pinned provenance, are the
// anchor's. Programs usually import package method/all, which imports this
// one.
package ref
