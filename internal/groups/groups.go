package groups

// Index assigns each distinct id a dense number in order of first
// appearance and returns the numbers per row and the number of groups.
// Groups need not be contiguous or of equal size.
func Index(ids []string) (g []int, n int) {
	g = make([]int, len(ids))
	seen := make(map[string]int, 16)
	for i, id := range ids {
		k, ok := seen[id]
		if !ok {
			k = len(seen)
			seen[id] = k
		}
		g[i] = k
	}
	return g, len(seen)
}

// Sizes counts the rows of each of n groups.
func Sizes(g []int, n int) []int {
	c := make([]int, n)
	for _, k := range g {
		c[k]++
	}
	return c
}
