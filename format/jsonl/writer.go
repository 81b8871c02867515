package jsonl

import (
	"bufio"
	"fmt"
	"io"
	"sync"

	"github.com/credo-rl/credo/rollout"
)

// batchBytes is about how much output one encoding job makes.
const batchBytes = 256 << 10

// Writer writes trajectories one per line. A trajectory read by this
// package's Reader is written back as its input line, with only the fields
// that changed encoded again (see rollout.Trajectory.Source); others are
// written in canonical form (encoding/json's, credo_version stamped).
//
// With GOMAXPROCS > 1 records are encoded in worker goroutines while the
// caller goes on; they are written in the order given. The caller must not
// modify a trajectory after passing it to Write until Flush returns, and an
// encoding error (a NaN, say) may be returned by a later Write or by Flush.
type Writer struct {
	dst io.Writer
	bw  *bufio.Writer
	buf []byte
	par bool

	batch   *wbatch
	jobs    chan *wbatch
	ordered chan *wbatch
	done    chan struct{}
	mu      sync.Mutex
	err     error
}

type wbatch struct {
	ts   []*rollout.Trajectory
	size int
	out  []byte
	err  error
	done chan struct{}
}

// NewWriter writes to w. Call Flush when done.
func NewWriter(w io.Writer) *Writer {
	return &Writer{dst: w, bw: bufio.NewWriterSize(w, 1<<20), par: workers() > 1}
}

// Append appends the line of t, with its newline, as a Writer writes it:
// for the callers that place records themselves (a spill file read back
// by offset), without a Writer's buffering and goroutines.
func Append(b []byte, t *rollout.Trajectory) ([]byte, error) { return encode(b, t) }

// encode appends the line of t (with its newline).
func encode(b []byte, t *rollout.Trajectory) ([]byte, error) {
	var err error
	if s := sourceOf(t); s != nil {
		b, err = appendRaw(b, t, s)
	} else {
		b, err = appendCanonical(b, t)
	}
	if err != nil {
		return b, fmt.Errorf("trajectory %q: %w", t.ID, err)
	}
	return append(b, '\n'), nil
}

func (w *Writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Write writes one trajectory.
func (w *Writer) Write(t *rollout.Trajectory) error {
	if !w.par {
		// Encode in place in the buffered writer's free space (Write then
		// copies nothing) unless the record may not fit.
		buf, inPlace := w.buf[:0], false
		if s := sourceOf(t); s != nil && w.bw.Available() >= len(s.raw)+24*(len(t.Advantages)+len(t.Returns)+len(t.LossWeights))+64 {
			buf, inPlace = w.bw.AvailableBuffer(), true
		}
		buf, err := encode(buf, t)
		if err != nil {
			return err
		}
		// Keep a grown scratch buffer, never the buffered writer's own.
		if !inPlace || cap(buf) != w.bw.Available() {
			w.buf = buf[:0]
		}
		_, err = w.bw.Write(buf)
		return err
	}
	if err := w.failed(); err != nil {
		return err
	}
	if w.batch == nil {
		w.batch = &wbatch{}
	}
	w.batch.ts = append(w.batch.ts, t)
	if s := sourceOf(t); s != nil {
		w.batch.size += len(s.raw) + 20*(len(t.Advantages)+len(t.Returns)+len(t.LossWeights))
	} else {
		w.batch.size += 40 * (len(t.Tokens) + 1)
	}
	if w.batch.size >= batchBytes {
		w.submit()
	}
	return nil
}

// outPool recycles the encoding buffers of the worker goroutines.
var outPool sync.Pool

func getOut() []byte {
	if b, ok := outPool.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, 2*batchBytes)
}

func putOut(b []byte) {
	if cap(b) <= 8*batchBytes {
		b = b[:0]
		outPool.Put(&b)
	}
}

func (w *Writer) submit() {
	b := w.batch
	w.batch = nil
	if b == nil {
		return
	}
	if w.jobs == nil {
		n := workers()
		w.jobs = make(chan *wbatch, n)
		w.ordered = make(chan *wbatch, 2*n)
		w.done = make(chan struct{})
		for range n {
			go func(jobs chan *wbatch) {
				for b := range jobs {
					out := getOut()
					for _, t := range b.ts {
						if out, b.err = encode(out, t); b.err != nil {
							break
						}
					}
					b.out = out
					b.ts = nil
					close(b.done)
				}
			}(w.jobs)
		}
		go func(ordered chan *wbatch, done chan struct{}) {
			defer close(done)
			for b := range ordered {
				<-b.done
				if w.failed() != nil {
					continue
				}
				err := b.err
				if err == nil {
					// A batch is written as it is (it is larger than
					// the buffer would make the writes), after what
					// the buffer holds.
					if err = w.bw.Flush(); err == nil {
						_, err = w.dst.Write(b.out)
					}
				}
				putOut(b.out)
				b.out = nil
				if err != nil {
					w.mu.Lock()
					w.err = err
					w.mu.Unlock()
				}
			}
		}(w.ordered, w.done)
	}
	b.done = make(chan struct{})
	w.ordered <- b
	w.jobs <- b
}

// Flush encodes and writes everything given to Write, then flushes the
// underlying writer; it returns the first error.
func (w *Writer) Flush() error {
	if w.par {
		w.submit()
		if w.jobs != nil {
			close(w.jobs)
			close(w.ordered)
			<-w.done
			w.jobs, w.ordered, w.done = nil, nil, nil
		}
		if err := w.failed(); err != nil {
			return err
		}
	}
	return w.bw.Flush()
}
