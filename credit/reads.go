package credit

import (
	"encoding/json"
	"strings"
)

// Arrays is a set of the per-token arrays of a trajectory, what a method
// declares it reads (Method.Reads). A reader of a file can then leave the
// other arrays undecoded: credo assign from Parquet to Parquet copies
// their column chunks without decoding their values (format/parquet,
// Reader.Needs). The number of tokens is always known; ReadsTokenIDs is
// the values of the ids.
type Arrays uint16

// The per-token arrays, named as in the file formats (docs/format.md).
const (
	ReadsTokenIDs        Arrays = 1 << iota // responses: the values of the token ids
	ReadsMask                               // response_mask
	ReadsOldLogProbs                        // old_log_probs
	ReadsRolloutLogProbs                    // rollout_log_probs
	ReadsRefLogProbs                        // ref_log_prob
	ReadsTokenRewards                       // token_level_rewards
	ReadsValues                             // values (critic values per token)
	ReadsAdvantages                         // advantages (as given in the input)
	ReadsReturns                            // returns (as given in the input)
	ReadsLossWeights                        // loss_weights (as given in the input)
	ReadsLogProbs                           // log_probs.<name>
	ReadsTokenScores                        // token_scores.<name>
	ReadsTokenTags                          // token_tags.<name>

	// AllArrays is every per-token array: what an undeclared method reads.
	AllArrays Arrays = 1<<13 - 1
	// ReadsNothing declares a method that reads none of the arrays (its
	// Reads is then not 0, which means undeclared).
	ReadsNothing Arrays = 1 << 15
)

var arrayNames = []string{"responses", "response_mask", "old_log_probs", "rollout_log_probs", "ref_log_prob",
	"token_level_rewards", "values", "advantages", "returns", "loss_weights", "log_probs", "token_scores", "token_tags"}

// Names lists the arrays by their field names, in the order above.
func (a Arrays) Names() []string {
	var out []string
	for i, n := range arrayNames {
		if a&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// String is the comma-separated list of Names.
func (a Arrays) String() string { return strings.Join(a.Names(), ", ") }

// ArraysRead is the set of per-token arrays the method reads under the
// parameter values v: ReadsOf(v) when set, else Reads, and every array
// when the method declares nothing (Reads 0). A method reads nothing else
// of those arrays: a test runs every method with the other arrays
// replaced by different values, or removed, and checks that its credit
// does not change (method/all).
func (m *Method) ArraysRead(v Values) Arrays {
	if m.ReadsOf != nil {
		return m.ReadsOf(m.complete(v))
	}
	if m.Reads == 0 {
		return AllArrays
	}
	return m.Reads & AllArrays
}

// StageReads returns a ReadsOf for a stage that reads own itself and
// hands its reward to its base method (BaseValues): own plus what the base
// reads under the base's values (every array when the base cannot be
// resolved; the run then fails with the proper error).
func StageReads(own Arrays) func(Values) Arrays {
	return func(v Values) Arrays {
		m, bv, err := BaseValues("", v, nil)
		if err != nil {
			return AllArrays
		}
		return (own | m.ArraysRead(bv)) & AllArrays
	}
}

// MarshalJSON writes the method with "reads", the per-token arrays it
// reads under its defaults (ArraysRead): [] for none; omitted for a Go API
// entry, which assigns no credit.
func (m *Method) MarshalJSON() ([]byte, error) {
	type plain Method
	var reads *[]string
	if m.GoAPI == "" {
		names := append(make([]string, 0), m.ArraysRead(nil).Names()...)
		reads = &names
	}
	return json.Marshal(struct {
		*plain
		Reads *[]string `json:"reads,omitempty"`
	}{(*plain)(m), reads})
}
