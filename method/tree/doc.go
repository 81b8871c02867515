// Package tree implements credit assignment over shared prefixes and
// rollout trees: the comparison set of a token is the set of responses that
// share its prefix (spec methods.md §2.2).
//
// Files, one method family each:
//
//   - trie.go: BuildTrie, the compressed prefix trie of a group of token
//     sequences (TEMPO's Prefix-to-Tree; the tree of SPO-tree and TreeRL
//     recovered from token ids).
//   - tempo.go: TEMPO (#29), GRPO plus a TD correction V(s_{t+1}) − V(s_t)
//     at the tokens where the group's trie branches.
//   - spo.go: SPO (#3): SPO-chain cutpoint selection (ChainCutpoints),
//     segment partition (ChainSegments), probe planning (PlanChainProbes),
//     chain advantages from Monte Carlo probes (ChainAdvantages, reusing
//     anchor/spo), and SPO-tree edge advantages over a group's trie
//     (TreeAdvantages, reusing anchor/spo.TreeEdges).
//   - treerl.go: TrieForest, a group's trie as TreeRL EPTree generations,
//     so that anchor/treerl's credit runs on ordinary groups
//     (TreeRLAdvantages).
//   - tempo_register.go: the registry binding "tempo"; register.go holds
//     the helpers it shares with the bindings of the references SPO and
//     TreeRL ("spo.chain", "spo.tree", "treerl.group_trie"), which live in
//     package method/ref beside their anchors.
//
// Conventions follow credo's estimator packages: rows may be ragged, group
// ids are strings at the API edge, outputs are freshly allocated, inputs are
// never modified, and computation is in float64.
package tree
