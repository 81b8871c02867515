package spiral

import (
	"testing"

	"github.com/credo-rl/credo/golden/goldentest"
)

func TestGolden(t *testing.T) {
	goldentest.Check(t, "spiral.rae.json")
}
