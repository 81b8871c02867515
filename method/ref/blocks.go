package ref

import (
	"fmt"

	"github.com/credo-rl/credo/rollout"
)

// Blocks orders a batch so that each group is a block of n consecutive rows,
// as OpenRLHF and PURE require (they find groups as index // n). It returns
// the row order (order[k] = trajectory index) and n, or an error when the
// groups differ in size.
func Blocks(b *rollout.Batch) (order []int, n int, err error) {
	ids, of := b.Groups()
	members := make([][]int, len(ids))
	for i, g := range of {
		members[g] = append(members[g], i)
	}
	n = len(members[0])
	for g, m := range members {
		if len(m) != n {
			return nil, 0, fmt.Errorf("every group needs the same number of trajectories (n_samples_per_prompt): group %q has %d, group %q has %d", ids[0], n, ids[g], len(m))
		}
		order = append(order, m...)
	}
	return order, n, nil
}
