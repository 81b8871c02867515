package probe

import (
	"fmt"
	"strings"

	"github.com/credo-rl/credo/rollout"
)

// LineSteps sets t's steps to its lines: a step ends after each token whose
// text contains a newline, and the last step ends with the response. It
// reads token_text and replaces any steps t had.
func LineSteps(t *rollout.Trajectory) error {
	tt, err := TokenText(t)
	if err != nil {
		return err
	}
	if tt == nil {
		return fmt.Errorf("traj_uid %q: field %s: missing, needed to split the response into lines", t.ID, FieldTokenText)
	}
	var steps []rollout.Step
	s := 0
	for k, x := range tt {
		if strings.Contains(x, "\n") || k == len(tt)-1 {
			steps = append(steps, rollout.Step{Start: s, End: k + 1, Kind: "segment"})
			s = k + 1
		}
	}
	t.Steps = steps
	return nil
}
