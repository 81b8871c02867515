package lm

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// fileFormat is the JSON layout of a saved model.
type fileFormat struct {
	Format string    `json:"format"`
	Config Config    `json:"config"`
	Params []float64 `json:"params"`
}

const formatName = "credo-lab-lm/1"

// Save writes the model as JSON (config and parameters; float64 values
// round-trip exactly).
func (m *Model) Save(w io.Writer) error {
	return json.NewEncoder(w).Encode(fileFormat{Format: formatName, Config: m.Cfg, Params: m.params})
}

// Load reads a model written by Save.
func Load(r io.Reader) (*Model, error) {
	var f fileFormat
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("lm: reading model: %w", err)
	}
	if f.Format != formatName {
		return nil, fmt.Errorf("lm: reading model: field format is %q, want %q", f.Format, formatName)
	}
	m, err := New(f.Config, 0)
	if err != nil {
		return nil, err
	}
	if len(f.Params) != m.Dim() {
		return nil, fmt.Errorf("lm: reading model: field params has %d values, the config needs %d", len(f.Params), m.Dim())
	}
	for i, v := range f.Params {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("lm: reading model: params[%d] is %v (want a finite number)", i, v)
		}
	}
	copy(m.params, f.Params)
	return m, nil
}
