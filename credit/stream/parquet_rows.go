package stream

import (
	"os"

	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/format/parquet"
	"github.com/credo-rl/credo/rollout"
)

// parquetByRow reports a plain Parquet input file, whose records can be
// read back by row number (parquet.RowReader) in the indexed mode.
func (r *run) parquetByRow(x *index) bool {
	if x.unit != "row" || r.in == format.Stdio || !r.regular {
		return false
	}
	spec, err := format.SpecOf(r.in, r.inFormat)
	if err != nil || spec.Kind != format.Parquet || spec.Compression != format.None {
		return false
	}
	f, err := os.Open(r.in)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [4]byte
	n, _ := f.ReadAt(head[:], 0)
	return string(head[:n]) == "PAR1"
}

// byRow reads each group's rows back by row number: memory is bounded by
// the largest group plus the RowReader's cursors (parquet.MaxCursors
// readers of a few pages each), not by the groups open at once.
func (r *run) byRow(x *index, assign func(*rollout.Batch, []int) error) error {
	rr, err := parquet.OpenRows(r.in)
	if err != nil {
		return badInput(err)
	}
	defer rr.Close()
	if rr.NumRows() != int64(x.n()) {
		return changed(r.in)
	}
	r.reads++
	var progress func(int64, int)
	if r.pass != nil {
		progress = r.pass(r.reads, 0)
	}
	var size int64
	if st, err := os.Stat(r.in); err == nil {
		size = st.Size()
	}
	done := 0
	for _, recs := range members(x) {
		b := &rollout.Batch{Trajectories: make([]*rollout.Trajectory, len(recs))}
		for i, rec := range recs {
			t, err := rr.Read(x.pos[rec])
			if err != nil || t.ID != idOf(x, rec, t) {
				return changed(r.in)
			}
			b.Trajectories[i] = t
		}
		if err := assign(b, recs); err != nil {
			return err
		}
		if done += len(recs); progress != nil {
			progress(size*int64(done)/int64(x.n()), done)
		}
	}
	return nil
}
