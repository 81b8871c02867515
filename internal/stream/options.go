package stream

import (
	"io"

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
	r, err := format.OpenWith(path, fo)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b := &rollout.Batch{}
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		b.Trajectories = append(b.Trajectories, t)
	}
	if err := b.ValidateLinks(); err != nil {
		return nil, err
	}
	return b, nil
}
