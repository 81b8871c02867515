//go:build !race

package inspect

// largeN is the size of the large-file tests (see race_test.go).
const largeN = 100000
