// Package rollout is credo's data model: the rollouts that credit-assignment
// methods read and the per-token credit they write back.
//
// A Batch holds Trajectories. Trajectories that share a Group id were sampled
// for the same prompt or task instance (verl's uid); groups may be of any size
// and their rows need not be contiguous. A trajectory carries its generated
// tokens as parallel per-token arrays (token ids, loss mask or weight,
// behaviour log-probs, named log-probs of other models, token-level rewards,
// critic values, named per-token scores and boolean tags), its named outcome
// rewards, structural features (stratum keys such as the number of tool
// calls), an optional parent link for tree-sampled rollouts and probes, and
// its Steps: turns, reasoning steps, segments, macro-actions or thoughts, each
// a token span that may nest inside another step and that carries an
// environment state key (GiGPO's anchor), an acting role, named rewards,
// values and labels.
//
// Field names follow verl's DataProto where verl has the field (uid,
// traj_uid, responses, response_mask, old_log_probs, ref_log_prob,
// token_level_rewards, values, anchor_obs, advantages, returns); see
// docs/format.md for the mapping to TRL and OpenRLHF.
//
// The package only describes and validates data. Reading and writing files
// lives in format/..., computing credit in credit/.
package rollout
