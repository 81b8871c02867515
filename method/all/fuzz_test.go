package all

import (
	"testing"

	"github.com/credo-rl/credo/internal/rolloutgen"
)

// FuzzSuccessPath runs the success-path checks of TestEveryMethodSucceeds
// on batches drawn by rolloutgen from a fuzzed seed and shape, for the
// method picked by the fuzzed index. The seed corpus runs as a unit test;
// `go test -fuzz FuzzSuccessPath -fuzztime 30s ./method/all` explores more.
func FuzzSuccessPath(f *testing.F) {
	for i := range 8 {
		f.Add(uint64(i), uint16(i*7), uint8(i))
	}
	methods := creditMethods()
	f.Fuzz(func(t *testing.T, seed uint64, which uint16, shape uint8) {
		m := methods[int(which)%len(methods)]
		cfg := rolloutgen.Config{
			Groups:       1 + int(shape%3),
			PerGroup:     2 + int(shape/3%4),
			Steps:        1 + int(shape/12%3),
			NoLinks:      shape&0x40 != 0,
			TokenRewards: shape&0x80 != 0,
		}
		checkSuccess(t, m, nil, seed, cfg)
	})
}
