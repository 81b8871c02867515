package igpo

import (
	"encoding/json"
	"testing"

	"github.com/credo-rl/credo/golden"
)

// edgeCase is a hand-written golden case for an input shape the dev vectors
// do not cover; the expected outputs are derived by hand from the reference
// code (see the comments at each case).
type edgeCase struct {
	name, estimator, json string
}

func runEdge(t *testing.T, cases []edgeCase) {
	t.Helper()
	for _, ec := range cases {
		t.Run(ec.name, func(t *testing.T) {
			var c golden.Case
			if err := json.Unmarshal([]byte(ec.json), &c); err != nil {
				t.Fatal(err)
			}
			c.Name = ec.name
			fn, ok := golden.Lookup(ec.estimator)
			if !ok {
				t.Fatalf("%s is not registered", ec.estimator)
			}
			for _, p := range golden.RunCase(ec.estimator, fn, &c).Problems {
				t.Error(p)
			}
		})
	}
}
