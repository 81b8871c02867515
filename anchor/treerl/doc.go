// Package treerl reproduces the process credit of TreeRL ("TreeRL: LLM
// Reinforcement Learning with On-Policy Tree Search", Hou et al.,
// arXiv:2506.11902) to float64 tolerance: from an entropy-guided tree of
// generations (EPTree) with scored leaves to per-step values along every
// root-to-leaf path.
//
// Reference snapshot: THUDM/TreeRL@f0edbea6f2f6392c46d297f83fb4929a9524266e
// (an OpenRLHF fork), functions build_into_tree_format (tree_node.py) and
// gather_paths (parallel_mcts.py).
//
// Files:
//
//   - tree.go: the input type. A tree is a plain node list (TreeNode) with
//     parent links and the token index at which each node forks from its
//     parent, as produced by an EPTree rollout; internally the forest is cut
//     into the reference's step tree (one step per stretch of tokens between
//     consecutive fork points).
//   - paths.go: TreePaths, the whole credit pipeline (leave-one-out leaf
//     normalisation, accumulation of leaf values into every ancestor step,
//     token- or step-weighted re-centring, optional re-weighting by the
//     number of selected leaves, and per-step values along each path under
//     the reference's modes), and LeaveOneOut.
//
// The EPTree generation itself (forking at high-entropy tokens) and the
// random sub-sampling of leaves are not part of this package: callers pass
// the generated trees and, optionally, their own leaf selection.
//
// The reference computes in Python floats; so does this package (float64),
// following the reference's order of operations (summation orders included).
// Outputs are freshly allocated; inputs are never modified. Non-finite
// scores are rejected with an error.
package treerl
