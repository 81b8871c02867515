package stream

import (
	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/rollout"
)

// Options adjust AssignWith.
type Options struct {
	// InFormat and OutFormat name the formats where the paths do not (see
	// format.ParseSpec), as for "-".
	InFormat, OutFormat string
	// Pass, when set, is called at the start of each pass over the input
	// (pass counted from 1 of passes) and returns the progress callback
	// for that pass (format.Options.Progress; nil for none).
	Pass func(pass, passes int) func(bytes int64, records int)
}

// pass gives the format options of a pass over the input.
func (o Options) pass(pass, passes int) format.Options {
	fo := format.Options{Format: o.InFormat}
	if o.Pass != nil {
		fo.Progress = o.Pass(pass, passes)
	}
	return fo
}

// readAll is format.ReadAll with options.
func readAll(path string, fo format.Options) (*rollout.Batch, error) {
	return format.ReadAllWith(path, fo)
}
