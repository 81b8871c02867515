package critic

import (
	"strconv"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/loss"
)

// Critic estimates V (and optionally Q) per role.
type Critic interface {
	V(s env.State, t, role int) float64
	// Update takes one step of the engine's value loss on the given tokens:
	// inputs per row are the tokens' (state, time, role), their old value
	// predictions and the regression targets (returns).
	Update(states [][]Input, old, returns [][]float64) (float64, error)
}

// Input is one token's state for the critic.
type Input struct {
	S    env.State
	T    int
	Role int
	A    int // action (Q critics)
}

// Table is a tabular critic keyed by role, state key and (when TimeIndexed) time.
type Table struct {
	TimeIndexed bool
	Action      bool // key also by action (a Q table)
	Opt         *policy.Adam
	VLoss       loss.ValueLossOptions
	index       map[string]int
	params      []float64
}

// NewTable returns an empty table (values start at 0) trained with Adam(lr).
func NewTable(timeIndexed bool, lr float64) *Table {
	o := loss.DefaultValueLossOptions()
	o.CliprangeValue = 1e9 // no value clipping for a table
	return &Table{TimeIndexed: timeIndexed, Opt: policy.NewAdam(lr), VLoss: o, index: map[string]int{}}
}

func (c *Table) key(in Input) string {
	k := strconv.Itoa(in.Role) + "|" + in.S.Key()
	if c.TimeIndexed {
		k += "@" + strconv.Itoa(in.T)
	}
	if c.Action {
		k += "#" + strconv.Itoa(in.A)
	}
	return k
}

func (c *Table) slot(k string) int {
	if i, ok := c.index[k]; ok {
		return i
	}
	c.index[k] = len(c.params)
	c.params = append(c.params, 0)
	return len(c.params) - 1
}

// Get returns the table's value of in (0 for an unseen key).
func (c *Table) Get(in Input) float64 {
	if i, ok := c.index[c.key(in)]; ok {
		return c.params[i]
	}
	return 0
}

// Has reports whether the table holds a value for in (it was fitted or
// updated on that key); Get returns 0 for a key it lacks.
func (c *Table) Has(in Input) bool {
	_, ok := c.index[c.key(in)]
	return ok
}

// V implements Critic.
func (c *Table) V(s env.State, t, role int) float64 { return c.Get(Input{S: s, T: t, Role: role}) }

// Q returns the Q table's value (Action must be set).
func (c *Table) Q(s env.State, t, role, a int) float64 {
	return c.Get(Input{S: s, T: t, Role: role, A: a})
}

// Fit sets every seen key to the mean of its targets (the least-squares
// fit of a table to Monte Carlo returns).
func (c *Table) Fit(ins []Input, targets []float64) {
	sum := map[int]float64{}
	cnt := map[int]float64{}
	for i, in := range ins {
		k := c.slot(c.key(in))
		sum[k] += targets[i]
		cnt[k]++
	}
	for k, s := range sum {
		c.params[k] = s / cnt[k]
	}
}

// Update implements Critic with loss.ValueLoss (token-mean) and Adam.
func (c *Table) Update(states [][]Input, old, returns [][]float64) (float64, error) {
	preds := make([][]float64, len(states))
	mask := make([][]float64, len(states))
	slots := make([][]int, len(states))
	for i, row := range states {
		preds[i] = make([]float64, len(row))
		mask[i] = make([]float64, len(row))
		slots[i] = make([]int, len(row))
		for j, in := range row {
			k := c.slot(c.key(in))
			slots[i][j] = k
			preds[i][j] = c.params[k]
			mask[i][j] = 1
		}
	}
	res, err := loss.ValueLoss(preds, returns, old, mask, c.VLoss)
	if err != nil {
		return 0, err
	}
	g := make([]float64, len(c.params))
	for i, row := range res.GradVPreds {
		for j, x := range row {
			g[slots[i][j]] += x
		}
	}
	c.Opt.Step(c.params, g)
	return res.Loss, nil
}

// Linear is a critic linear in the state features (plus a bias and, when
// TimeFeature is set, t/H), one weight vector per role.
type Linear struct {
	Env         env.Env
	TimeFeature bool
	Opt         *policy.Adam
	VLoss       loss.ValueLossOptions
	in          int
	params      []float64 // [role][in+1]
}

// NewLinear returns a zero linear critic.
func NewLinear(e env.Env, start env.State, timeFeature bool, lr float64) *Linear {
	in := len(e.Features(start)) + 1
	if timeFeature {
		in++
	}
	o := loss.DefaultValueLossOptions()
	o.CliprangeValue = 1e9
	return &Linear{Env: e, TimeFeature: timeFeature, Opt: policy.NewAdam(lr), VLoss: o, in: in,
		params: make([]float64, in*e.Roles())}
}

func (c *Linear) x(s env.State, t int) []float64 {
	x := append(append([]float64(nil), c.Env.Features(s)...), 1)
	if c.TimeFeature {
		x = append(x, float64(t)/float64(c.Env.Horizon()))
	}
	return x
}

// V implements Critic.
func (c *Linear) V(s env.State, t, role int) float64 {
	w := c.params[role*c.in : (role+1)*c.in]
	v := 0.0
	for i, xi := range c.x(s, t) {
		v += w[i] * xi
	}
	return v
}

// Fit takes steps Adam steps of the engine's value loss on one fixed
// regression set (old predictions 0): the same steps as calling Update
// steps times with these inputs, but the feature vectors are computed
// once.
func (c *Linear) Fit(ins []Input, targets []float64, steps int) error {
	xs := make([][]float64, len(ins))
	for i, in := range ins {
		xs[i] = c.x(in.S, in.T)
	}
	preds := [][]float64{make([]float64, len(ins))}
	mask := [][]float64{make([]float64, len(ins))}
	for i := range mask[0] {
		mask[0][i] = 1
	}
	old := [][]float64{make([]float64, len(ins))}
	tg := [][]float64{targets}
	g := make([]float64, len(c.params))
	for k := 0; k < steps; k++ {
		for i, in := range ins {
			w := c.params[in.Role*c.in : (in.Role+1)*c.in]
			v := 0.0
			for j, xj := range xs[i] {
				v += w[j] * xj
			}
			preds[0][i] = v
		}
		res, err := loss.ValueLoss(preds, tg, old, mask, c.VLoss)
		if err != nil {
			return err
		}
		for j := range g {
			g[j] = 0
		}
		for i, gv := range res.GradVPreds[0] {
			for j, xj := range xs[i] {
				g[ins[i].Role*c.in+j] += gv * xj
			}
		}
		c.Opt.Step(c.params, g)
	}
	return nil
}

// Update implements Critic.
func (c *Linear) Update(states [][]Input, old, returns [][]float64) (float64, error) {
	preds := make([][]float64, len(states))
	mask := make([][]float64, len(states))
	for i, row := range states {
		preds[i] = make([]float64, len(row))
		mask[i] = make([]float64, len(row))
		for j, in := range row {
			preds[i][j] = c.V(in.S, in.T, in.Role)
			mask[i][j] = 1
		}
	}
	res, err := loss.ValueLoss(preds, returns, old, mask, c.VLoss)
	if err != nil {
		return 0, err
	}
	g := make([]float64, len(c.params))
	for i, row := range res.GradVPreds {
		for j, gv := range row {
			in := states[i][j]
			for k, xk := range c.x(in.S, in.T) {
				g[in.Role*c.in+k] += gv * xk
			}
		}
	}
	c.Opt.Step(c.params, g)
	return res.Loss, nil
}
