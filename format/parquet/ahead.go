package parquet

import (
	"errors"
	"io"
	"sync"

	"github.com/credo-rl/credo/rollout"
)

// Reading ahead.
//
// ReadAhead makes the Reader decode its rows in a goroutine of its own,
// ahead of the caller, so that decoding runs in parallel with what the
// caller does with the rows (credo assign: the method, the checks and the
// Writer, which copies and encodes the row groups). The rows, their
// errors and their order are those of a Reader without it.

// aheadBatch is the number of rows handed over at a time.
const aheadBatch = 64

type aheadItem struct {
	t   *rollout.Trajectory
	err error
	row int // Row() after this item
}

type readAhead struct {
	ch    chan []aheadItem
	done  chan struct{}
	wg    sync.WaitGroup
	cur   []aheadItem
	i     int
	row   int   // the row of the last item returned
	last  error // after the goroutine ended: returned by every call
	final error // what ended the goroutine (io.EOF or an error of the file), set before ch is closed
}

// ReadAhead starts decoding the rows in a goroutine, up to about rows rows
// ahead of Next (at least one batch of 64). Call it before the first Next,
// and not with SeekRow. Next, Row and Close keep their meaning; the
// Reader must still be used by one goroutine at a time. It is worth it
// with GOMAXPROCS > 1.
func (r *Reader) ReadAhead(rows int) {
	if r.ahead != nil {
		return
	}
	a := &readAhead{ch: make(chan []aheadItem, max(1, rows/aheadBatch)), done: make(chan struct{})}
	r.ahead = a
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(a.ch)
		for {
			select {
			case <-a.done:
				return
			default:
			}
			batch := make([]aheadItem, 0, aheadBatch)
			stop := false
			for len(batch) < aheadBatch {
				t, err := r.next()
				batch = append(batch, aheadItem{t: t, err: err, row: r.row})
				if err != nil && (err == io.EOF || r.err != nil) {
					stop = true // the end, or an error of the file: every later call returns it
					break
				}
			}
			if stop {
				a.final = batch[len(batch)-1].err // before the batch is handed over
			}
			select {
			case a.ch <- batch:
			case <-a.done:
				return
			}
			if stop {
				return
			}
		}
	}()
}

// nextAhead is Next under ReadAhead.
func (r *Reader) nextAhead() (*rollout.Trajectory, error) {
	a := r.ahead
	for a.i >= len(a.cur) {
		if a.last != nil {
			return nil, a.last
		}
		b, ok := <-a.ch
		if !ok {
			// The goroutine has ended: after its last row, every call
			// returns what ended it (io.EOF or an error of the file).
			if a.last = a.final; a.last == nil {
				a.last = errors.New("parquet: reader is closed")
			}
			return nil, a.last
		}
		a.cur, a.i = b, 0
	}
	it := a.cur[a.i]
	a.cur[a.i] = aheadItem{}
	a.i++
	a.row = it.row
	return it.t, it.err
}

// stopAhead ends the goroutine and waits for it.
func (r *Reader) stopAhead() {
	a := r.ahead
	if a == nil {
		return
	}
	select {
	case <-a.done:
	default:
		close(a.done)
	}
	for range a.ch { // unblock a pending send
	}
	a.wg.Wait()
	a.cur, a.i = nil, 0
	a.last = errors.New("parquet: reader is closed")
}
