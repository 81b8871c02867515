package verl

import (
	"github.com/credo-rl/credo/internal/arrays"

	"fmt"
	"math"
)

// Two-pass forms of the whitened estimators, for batches too large to hold
// in memory. A first pass feeds every row, in batch order, to Add, which
// computes the row's raw credit and folds it into the batch statistics; a
// second pass gives every row again, in the same order, to Row, which
// computes it again and whitens it. The arithmetic is that of GAEInto and
// ReinforcePlusPlusInto (they share the per-row functions), so the results
// are bit-identical to the one-call form on the whole batch.

// GAERows is GAE in two passes over the rows.
type GAERows struct {
	gamma, lam  float64
	st          whitenStats
	rows        int
	mean, scale float64
	done        bool
	a, g        []float64
}

// NewGAERows starts a two-pass GAE.
func NewGAERows(gamma, lam float64) (*GAERows, error) {
	if !arrays.Finite(gamma) || !arrays.Finite(lam) {
		return nil, fmt.Errorf("verl.gae: gamma = %v and lam = %v must be finite", gamma, lam)
	}
	return &GAERows{gamma: gamma, lam: lam}, nil
}

func scratch(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}

func checkRow(est string, row int, r []float64, others ...named) error {
	for _, o := range others {
		if len(o.row) != len(r) {
			return fmt.Errorf("%s: row %d: %s has %d entries, token_level_rewards %d", est, row, o.name, len(o.row), len(r))
		}
	}
	return nil
}

// Add is the first pass over one row: token rewards r, values v, mask m.
func (p *GAERows) Add(r, v, m []float64) error {
	const est = "verl.gae"
	if err := checkRow(est, p.rows, r, named{"values", v}, named{"response_mask", m}); err != nil {
		return err
	}
	p.a, p.g = scratch(p.a, len(r)), scratch(p.g, len(r))
	if !gaeRow(&p.st, p.a, p.g, r, v, m, p.gamma, p.gamma*p.lam) {
		return firstNonFinite(est, p.rows, named{"token_level_rewards", r}, named{"values", v}, named{"response_mask", m})
	}
	p.rows++
	return nil
}

// Finish ends the first pass: it fails as GAEInto does when the batch's
// mask sums to 0 or 1.
func (p *GAERows) Finish() error {
	var err error
	p.mean, p.scale, err = p.st.params("verl.gae")
	p.done = err == nil
	return err
}

// Row is the second pass over one row: it writes the whitened advantages
// and the returns (advantages + values before whitening) into adv and ret,
// which have the row's length.
func (p *GAERows) Row(adv, ret, r, v, m []float64) error {
	const est = "verl.gae"
	if !p.done {
		return fmt.Errorf("%s: Row before Finish", est)
	}
	if err := checkRow(est, 0, r, named{"values", v}, named{"response_mask", m}, named{"advantages", adv}, named{"returns", ret}); err != nil {
		return err
	}
	var st whitenStats
	if !gaeRow(&st, adv, ret, r, v, m, p.gamma, p.gamma*p.lam) {
		return firstNonFinite(est, 0, named{"token_level_rewards", r}, named{"values", v}, named{"response_mask", m})
	}
	for t, x := range adv {
		adv[t] = (x - p.mean) * p.scale
	}
	return nil
}

// ReinforcePlusPlusRows is REINFORCE++ in two passes over the rows.
type ReinforcePlusPlusRows struct {
	gamma       float64
	st          whitenStats
	rows        int
	mean, scale float64
	done        bool
	g           []float64
}

// NewReinforcePlusPlusRows starts a two-pass REINFORCE++.
func NewReinforcePlusPlusRows(gamma float64) (*ReinforcePlusPlusRows, error) {
	if !arrays.Finite(gamma) {
		return nil, fmt.Errorf("verl.reinforce_plus_plus: gamma = %v must be finite", gamma)
	}
	return &ReinforcePlusPlusRows{gamma: gamma}, nil
}

// Add is the first pass over one row: token rewards r, mask m.
func (p *ReinforcePlusPlusRows) Add(r, m []float64) error {
	const est = "verl.reinforce_plus_plus"
	if err := checkRow(est, p.rows, r, named{"response_mask", m}); err != nil {
		return err
	}
	p.g = scratch(p.g, len(r))
	if _, ok := rfppRow(&p.st, p.g, r, m, p.gamma); !ok {
		return firstNonFinite(est, p.rows, named{"token_level_rewards", r}, named{"response_mask", m})
	}
	p.rows++
	return nil
}

// Finish ends the first pass.
func (p *ReinforcePlusPlusRows) Finish() error {
	var err error
	p.mean, p.scale, err = p.st.params("verl.reinforce_plus_plus")
	p.done = err == nil
	return err
}

// Row is the second pass over one row: whitened advantages into adv,
// returns into ret.
func (p *ReinforcePlusPlusRows) Row(adv, ret, r, m []float64) error {
	const est = "verl.reinforce_plus_plus"
	if !p.done {
		return fmt.Errorf("%s: Row before Finish", est)
	}
	if err := checkRow(est, 0, r, named{"response_mask", m}, named{"advantages", adv}, named{"returns", ret}); err != nil {
		return err
	}
	var st whitenStats
	ones, ok := rfppRow(&st, ret, r, m, p.gamma)
	if !ok {
		return firstNonFinite(est, 0, named{"token_level_rewards", r}, named{"response_mask", m})
	}
	rfppWhiten(adv, ret, m, ones, p.mean, p.scale)
	return nil
}

// ReinforcePlusPlusBaselineRows is REINFORCE++-baseline in three passes
// over the rows: AddScore (each row's score, summed per group: the group
// means), EndScores, AddWhiten (the whitening statistics of s_i - mean_g),
// Finish, then Row. It keeps one sum and one count per group.
type ReinforcePlusPlusBaselineRows struct {
	group       map[string]int
	sum         []float64
	count       []int
	st          whitenStats
	rows        int
	mean, scale float64
	means, done bool
}

// NewReinforcePlusPlusBaselineRows starts a three-pass REINFORCE++-baseline.
func NewReinforcePlusPlusBaselineRows() *ReinforcePlusPlusBaselineRows {
	return &ReinforcePlusPlusBaselineRows{group: map[string]int{}}
}

const rfppbEst = "verl.reinforce_plus_plus_baseline"

func (p *ReinforcePlusPlusBaselineRows) score(r []float64) (float64, error) {
	var s [1]float64
	if err := rowScoresInto(rfppbEst, s[:], [][]float64{r}); err != nil {
		return 0, fmt.Errorf("%s: row %d: token_level_rewards holds a non-finite value", rfppbEst, p.rows)
	}
	return s[0], nil
}

// AddScore is the first pass over one row of group id.
func (p *ReinforcePlusPlusBaselineRows) AddScore(r []float64, id string) error {
	s, err := p.score(r)
	if err != nil {
		return err
	}
	k, ok := p.group[id]
	if !ok {
		k = len(p.sum)
		p.group[id] = k
		p.sum = append(p.sum, 0)
		p.count = append(p.count, 0)
	}
	p.count[k]++
	p.sum[k] += s
	p.rows++
	return nil
}

// EndScores ends the first pass: the group means (0 for a singleton).
func (p *ReinforcePlusPlusBaselineRows) EndScores() {
	for k, c := range p.count {
		if c > 1 {
			p.sum[k] /= float64(c)
		} else {
			p.sum[k] = 0
		}
	}
	p.means = true
	p.rows = 0
}

func (p *ReinforcePlusPlusBaselineRows) advantage(r []float64, id string) (float64, error) {
	if !p.means {
		return 0, fmt.Errorf("%s: second pass before EndScores", rfppbEst)
	}
	s, err := p.score(r)
	if err != nil {
		return 0, err
	}
	k, ok := p.group[id]
	if !ok {
		return 0, fmt.Errorf("%s: group %q was not in the first pass", rfppbEst, id)
	}
	return s - p.sum[k], nil
}

// AddWhiten is the second pass over one row: token rewards r, mask m.
func (p *ReinforcePlusPlusBaselineRows) AddWhiten(r, m []float64, id string) error {
	if err := checkRow(rfppbEst, p.rows, r, named{"response_mask", m}); err != nil {
		return err
	}
	a, err := p.advantage(r, id)
	if err != nil {
		return err
	}
	if !rfppbRow(&p.st, a, m) {
		return errNonFinite(rfppbEst, "response_mask", p.rows)
	}
	p.rows++
	return nil
}

// Finish ends the second pass.
func (p *ReinforcePlusPlusBaselineRows) Finish() error {
	var err error
	p.mean, p.scale, err = p.st.params(rfppbEst)
	p.done = err == nil
	return err
}

// Row is the last pass over one row: the whitened, masked advantages (also
// the returns) into adv.
func (p *ReinforcePlusPlusBaselineRows) Row(adv, r, m []float64, id string) error {
	if !p.done {
		return fmt.Errorf("%s: Row before Finish", rfppbEst)
	}
	if err := checkRow(rfppbEst, 0, r, named{"response_mask", m}, named{"advantages", adv}); err != nil {
		return err
	}
	a, err := p.advantage(r, id)
	if err != nil {
		return err
	}
	rfppbWhiten(adv, a, m, p.mean, p.scale)
	return nil
}

// GPGRows is GPG in two passes over the rows: Add (each row's score: the
// group sums and the count of non-zero scores), Finish, then Row. It keeps
// one sum and one count per group; the arithmetic is that of GPG.
type GPGRows struct {
	opt    GPGOptions
	means  ReinforcePlusPlusBaselineRows // group sums and means of the scores
	rows   int
	nz     int
	alpha  float64
	closed bool
}

// NewGPGRows starts a two-pass GPG.
func NewGPGRows(opt GPGOptions) (*GPGRows, error) {
	if err := checkFNorm("verl.gpg", opt.FNorm); err != nil {
		return nil, err
	}
	return &GPGRows{opt: opt, means: ReinforcePlusPlusBaselineRows{group: map[string]int{}}}, nil
}

// Add is the first pass over one row of group id.
func (p *GPGRows) Add(r []float64, id string) error {
	s, err := p.means.score(r)
	if err != nil {
		return fmt.Errorf("verl.gpg: row %d: token_level_rewards holds a non-finite value", p.rows)
	}
	if s != 0 {
		p.nz++
	}
	p.rows++
	return p.means.AddScore(r, id)
}

// Finish ends the first pass: alpha = rows / max(non-zero scores, 1).
func (p *GPGRows) Finish() {
	p.alpha = float64(p.rows) / math.Max(float64(p.nz), 1)
	p.means.EndScores()
	p.closed = true
}

// Row writes the row's advantages (also its returns) into adv.
func (p *GPGRows) Row(adv, r, m []float64, id string) error {
	const est = "verl.gpg"
	if !p.closed {
		return fmt.Errorf("%s: Row before Finish", est)
	}
	if err := checkRow(est, 0, r, named{"response_mask", m}, named{"advantages", adv}); err != nil {
		return err
	}
	d, err := p.means.advantage(r, id) // s - mean_g
	if err != nil {
		return err
	}
	a := p.alpha * d / p.opt.FNorm
	return broadcastInto(est, [][]float64{adv}, []float64{a}, [][]float64{m})
}
