package verl

// Workspace is reusable scratch memory for the ...Into functions (per-row
// scores and per-group statistics). The zero value is ready to use. Its
// buffers grow to the largest batch seen and are then reused, so repeated
// calls on batches of one size allocate nothing. A Workspace must not be
// used by two calls at the same time. A nil *Workspace is accepted and
// makes the call allocate its O(rows + groups) scratch.
type Workspace struct {
	rows  []float64 // per-row scores or flags
	count []int     // per-group counts
	stats []float64 // per-group mean and std, 2 × groups
}

// rowBuf returns n per-row values; the contents are unspecified.
func (w *Workspace) rowBuf(n int) []float64 {
	if cap(w.rows) < n {
		w.rows = make([]float64, n)
	}
	return w.rows[:n]
}

// groupBufs returns zeroed per-group counts, means and standard deviations
// for n groups.
func (w *Workspace) groupBufs(n int) (count []int, mean, std []float64) {
	if cap(w.count) < n {
		w.count = make([]int, n)
	}
	if cap(w.stats) < 2*n {
		w.stats = make([]float64, 2*n)
	}
	count, st := w.count[:n], w.stats[:2*n]
	clear(count)
	clear(st)
	return count, st[:n:n], st[n:]
}
