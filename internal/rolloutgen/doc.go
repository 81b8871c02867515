// Package rolloutgen generates valid, random rollout batches for any
// registered credit-assignment method, from the method's declared inputs and
// parameter values. It is shared by the registry-wide success-path test
// (method/all) and its fuzz target.
//
// A generated batch holds every field of the record format (docs/format.md)
// that some method reads: groups of trajectories sampled as a tree with
// parent links (children share their parent's leading tokens), a loss mask
// with zeros inside and at the end, behaviour/reference/named log-probs,
// critic values, token scores and tags, outcome reward channels, features,
// and steps (a fixed number per trajectory, tiling its tokens, each with a
// valid token) carrying step rewards, values and labels, with roles and
// anchor states; names that come from parameter values are also given as
// 3-vectors of step values under indexed keys name0, name1, name2 (LaRe's
// factors). Channel and key names are the format's conventional ones
// ("outcome", "thinking", "prm", "mc", ...) plus every name that appears in
// the method's string parameter values ("<reward>", "<score>", "<dims>",
// ...), so that a method reading a renamed channel still finds it. Values
// are drawn in ranges every reader accepts: probabilities and MC values in
// (0, 1), log-probs below 0, outcomes in {0, 0.5, 1}, 0/1 labels (such as
// CAPO's per-critique votes wrong_vote_k).
//
// Batch returns an error naming the missing input when the generated batch
// does not satisfy the method's declared inputs (credit.Method.Check), so a
// method whose input the generator cannot provide is reported, not skipped.
package rolloutgen
