package verlagent

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
)

// ReinforcePlusPlusBaselineRows is ReinforcePlusPlusBaseline fed one step
// row at a time, in four passes over the same rows in the same order, for
// batches too large to hold (credo assign streams a file this way):
//
//  1. AddScore: the group means of the row scores (EndScores);
//  2. AddWeight: the whitening's weight W and mean μ (EndWeights);
//  3. AddVariance: its variance (Finish);
//  4. Row: the advantages of each row.
//
// Every sum is taken over the rows in the order ReinforcePlusPlusBaseline
// takes it, with the same operations, so the advantages are the same, bit
// for bit. It keeps one sum and one count per group, and with CrossSteps
// false the (group, trajectory) pairs already counted.
type ReinforcePlusPlusBaselineRows struct {
	opts      ReinforcePlusPlusBaselineOptions
	sum, mean map[string]float64
	n         map[string]int
	seen      map[[2]string]bool
	rows      int // rows seen in the current pass, for messages
	w, sx, ss float64
	mu, r     float64
}

// NewReinforcePlusPlusBaselineRows starts the four passes.
func NewReinforcePlusPlusBaselineRows(opts ReinforcePlusPlusBaselineOptions) *ReinforcePlusPlusBaselineRows {
	return &ReinforcePlusPlusBaselineRows{opts: opts, sum: map[string]float64{}, mean: map[string]float64{},
		n: map[string]int{}, seen: map[[2]string]bool{}}
}

const rfppbRowsEst = "verl_agent.reinforce_plus_plus_baseline"

func (p *ReinforcePlusPlusBaselineRows) rowScore(rewards []float64) (float64, error) {
	s := sumRow(rewards)
	if !arrays.Finite(s) {
		return 0, fmt.Errorf("%s: token_level_rewards row %d has a non-finite value (or its sum overflows)", rfppbRowsEst, p.rows)
	}
	return s, nil
}

// AddScore is pass 1 over a row: its token-level rewards, its group
// (index) and its trajectory (traj_index).
func (p *ReinforcePlusPlusBaselineRows) AddScore(rewards []float64, index, trajIndex string) error {
	s, err := p.rowScore(rewards)
	p.rows++
	if err != nil {
		return err
	}
	if !p.opts.CrossSteps {
		k := [2]string{index, trajIndex}
		if p.seen[k] {
			return nil
		}
		p.seen[k] = true
	}
	p.n[index]++
	p.sum[index] += s
	return nil
}

// EndScores ends pass 1.
func (p *ReinforcePlusPlusBaselineRows) EndScores() {
	for k, s := range p.sum {
		p.mean[k] = s / float64(p.n[k])
	}
	p.rows = 0
}

// score is the row's score less its group mean (when the group has more
// than one entry).
func (p *ReinforcePlusPlusBaselineRows) score(rewards []float64, index string) (float64, error) {
	s, err := p.rowScore(rewards)
	p.rows++
	if err != nil {
		return 0, err
	}
	if p.n[index] > 1 {
		s -= p.mean[index]
	}
	return s, nil
}

// AddWeight is pass 2 over a row.
func (p *ReinforcePlusPlusBaselineRows) AddWeight(rewards, mask []float64, index string) error {
	a, err := p.score(rewards, index)
	if err != nil {
		return err
	}
	m1, m2, m3 := maskMoments(mask)
	if !arrays.Finite(m3) {
		return fmt.Errorf("%s: response_mask row %d has a non-finite value", rfppbRowsEst, p.rows-1)
	}
	p.w += m1
	p.sx += a * m2
	return nil
}

// EndWeights ends pass 2; it fails, like the reference's masked_var, when
// the batch has fewer than two masked tokens.
func (p *ReinforcePlusPlusBaselineRows) EndWeights() error {
	p.rows = 0
	if p.w == 0 {
		return fmt.Errorf("%s: response_mask is empty: masked whitening needs at least two masked tokens", rfppbRowsEst)
	}
	if p.w == 1 {
		return fmt.Errorf("%s: response_mask has a single masked token: masked whitening needs at least two", rfppbRowsEst)
	}
	p.mu = p.sx / (p.w + 1e-8)
	return nil
}

// AddVariance is pass 3 over a row.
func (p *ReinforcePlusPlusBaselineRows) AddVariance(rewards, mask []float64, index string) error {
	a, err := p.score(rewards, index)
	if err != nil {
		return err
	}
	m1, m2, m3 := maskMoments(mask)
	d := a - p.mu
	p.ss += d*d*m1 + a*a*(m3-m1) - 2*a*p.mu*(m2-m1)
	return nil
}

// Finish ends pass 3.
func (p *ReinforcePlusPlusBaselineRows) Finish() {
	v := p.ss / (p.w + 1e-8) * (p.w / (p.w - 1))
	p.r = 1 / math.Sqrt(v+1e-8)
	p.rows = 0
}

// Row is pass 4: it writes the row's advantages into out (len(mask)
// values; the trailing zero-mask run gets 0).
func (p *ReinforcePlusPlusBaselineRows) Row(out, rewards, mask []float64, index string) error {
	a, err := p.score(rewards, index)
	if err != nil {
		return err
	}
	end := len(mask)
	for end > 0 && mask[end-1] == 0 {
		end--
	}
	clear(out)
	for t, mt := range mask[:end] {
		out[t] = (a*mt - p.mu) * p.r * mt
	}
	return nil
}
