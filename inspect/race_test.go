//go:build race

package inspect

// largeN is the size of the large-file tests. Under the race detector
// (10-20x slower JSON decoding) they use 10,000 trajectories, which keeps the
// package's race run near half a minute; without it, 100,000.
const largeN = 10000
