package verl

import "math"

// groupStats holds per-group accumulators, allocated once per call (or
// borrowed from a Workspace).
type groupStats struct {
	count []int
	mean  []float64 // verl convention: 0 for singleton groups
	std   []float64 // unbiased (ddof=1); verl convention: 1 for singletons
}

// meanStd computes per-group count, mean and (when withStd) the unbiased
// standard deviation of scores, in two passes over the rows (not the
// tokens). Singleton groups get mean 0 and std 1, as in verl's dictionaries
// id2mean/id2std. Groups with no rows keep zeros. The scratch comes from ws
// (nil: freshly allocated).
func meanStd(ws *Workspace, scores []float64, g []int, n int, withStd bool) groupStats {
	if ws == nil {
		ws = new(Workspace)
	}
	var st groupStats
	st.count, st.mean, st.std = ws.groupBufs(n)
	for i, s := range scores {
		k := g[i]
		st.count[k]++
		st.mean[k] += s
	}
	for k, c := range st.count {
		if c > 1 {
			st.mean[k] /= float64(c)
		} else {
			st.mean[k] = 0
		}
	}
	if !withStd {
		st.std = nil
		return st
	}
	for i, s := range scores {
		k := g[i]
		d := s - st.mean[k]
		st.std[k] += d * d
	}
	for k, c := range st.count {
		if c > 1 {
			st.std[k] = math.Sqrt(st.std[k] / float64(c-1))
		} else {
			st.std[k] = 1
		}
	}
	return st
}
