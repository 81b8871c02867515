package jsonl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"unicode"

	"github.com/credo-rl/credo/rollout"
)

// MaxLineBytes bounds one record (256 MiB).
const MaxLineBytes = 256 << 20

// chunkBytes is the size of the blocks of whole lines that the reader
// parses at a time (one block per worker).
const chunkBytes = 1 << 20

// maxWorkers bounds the parsing goroutines of one Reader (and the encoding
// goroutines of one Writer).
const maxWorkers = 8

func workers() int { return min(runtime.GOMAXPROCS(0), maxWorkers) }

// Decode parses one record and validates it. Errors name the field and say
// what was expected. The trajectory keeps a copy of b as its source (see
// Raw).
func Decode(b []byte) (*rollout.Trajectory, error) {
	return decodeLine(append([]byte(nil), bytes.TrimSpace(b)...), 0, -1, new(parser))
}

// DecodeAt parses the record of line number lineNo (1-based): the bytes
// that Position reported for it, read again from the file. It gives the
// trajectory that the Reader gave (its default id "line-N" included) and
// keeps line (which the caller must not modify afterwards) as its source.
// Errors are *rollout.RecordError naming the line.
func DecodeAt(line []byte, lineNo int) (*rollout.Trajectory, error) {
	t, err := decodeLine(bytes.TrimSpace(line), lineNo, -1, new(parser))
	if err != nil {
		return nil, &rollout.RecordError{Record: fmt.Sprintf("line %d", lineNo), Err: err}
	}
	return t, nil
}

// decodeLine decodes raw (a trimmed line, kept by the result).
func decodeLine(raw []byte, lineNo int, offset int64, p *parser) (*rollout.Trajectory, error) {
	t := new(rollout.Trajectory)
	members := p.parse(raw, t)
	if p.err != nil {
		if !p.err.strict {
			// Syntax and type errors: encoding/json's message, as before.
			if _, err := decodeReflect(raw); err != nil {
				return nil, err
			}
		}
		return nil, p.err.err
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if t.ID == "" && lineNo > 0 {
		t.ID = fmt.Sprintf("line-%d", lineNo)
	}
	t.Source = newSource(raw, members, t, lineNo, offset)
	return t, nil
}

// chunk is a block of whole lines of the input and, once parsed, its
// records.
type chunk struct {
	buf   []byte
	whole []byte // buf's whole buffer
	line  int    // number of the line before buf's first line
	off   int64  // offset of buf[0] in the input
	recs  []result
	err   error // a read error after buf
	done  chan struct{}
}

type result struct {
	t    *rollout.Trajectory
	err  error
	line int
	off  int64
}

// parse decodes the records of c, stopping at the first bad one. The
// records' sources are slices of c's buffer when its lines fill at least
// 3/4 of it, else copies (a buffer mostly holding the start of a long line
// that the next chunk holds again would make the records cost more memory
// than their bytes).
func (c *chunk) parse(p *parser, name string) {
	buf, line, off := c.buf, c.line, c.off
	share := 4*len(buf) >= 3*cap(c.whole)
	defer func() {
		if !share {
			putChunk(c.whole)
		}
		c.buf, c.whole = nil, nil
	}()
	for len(buf) > 0 {
		n := bytes.IndexByte(buf, '\n')
		l := buf
		if n >= 0 {
			l = buf[:n]
			buf = buf[n+1:]
		} else {
			buf = nil
		}
		line++
		start := off
		off += int64(len(l))
		if n >= 0 {
			off++
		}
		rec := bytes.TrimLeftFunc(l, unicode.IsSpace)
		start += int64(len(l) - len(rec))
		rec = bytes.TrimRightFunc(rec, unicode.IsSpace)
		if len(rec) == 0 {
			continue
		}
		// A shared buffer is never recycled: it stays alive as long as a
		// record read from it.
		rec = rec[:len(rec):len(rec)]
		if !share {
			rec = append([]byte(nil), rec...)
		}
		t, err := decodeLine(rec, line, start, p)
		if err != nil {
			c.recs = append(c.recs, result{err: &rollout.RecordError{File: name, Record: fmt.Sprintf("line %d", line), Err: err}, line: line, off: start})
			return
		}
		c.recs = append(c.recs, result{t: t, line: line, off: start})
	}
}

// Chunk buffers are recycled only when their records were copied out (see
// chunk.parse); else the records keep their bytes (rollout.Trajectory.Source)
// as slices of the buffer, which saves copying each record.
var chunkPool sync.Pool

func getChunk() []byte {
	if b, ok := chunkPool.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, chunkBytes)
}

func putChunk(b []byte) {
	if cap(b) == chunkBytes {
		b = b[:0]
		chunkPool.Put(&b)
	}
}

// chunker cuts the input into chunks of whole lines.
type chunker struct {
	r       io.Reader
	name    string
	pending []byte // the start of a line not yet complete
	spare   []byte // pending's own buffer
	line    int
	off     int64
	eof     bool
	err     error
}

// next returns the next chunk, nil at the end. A chunk may carry a read
// error to report after its lines.
func (c *chunker) next() *chunk {
	if c.err != nil || (c.eof && len(c.pending) == 0) {
		return nil
	}
	var buf []byte
	if len(c.pending) <= chunkBytes/2 {
		buf = getChunk()[:len(c.pending)]
	} else {
		buf = make([]byte, len(c.pending), 2*len(c.pending))
	}
	copy(buf, c.pending)
	scanned := 0 // bytes of buf known to hold no '\n'
	for {
		for !c.eof && len(buf) < cap(buf) {
			n, err := c.r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err == io.EOF {
				c.eof = true
			} else if err != nil {
				c.eof = true
				c.err = err
			}
			if n == 0 && err == nil {
				continue
			}
			if len(buf) >= cap(buf)/2 {
				break
			}
		}
		if i := bytes.LastIndexByte(buf[scanned:], '\n'); i >= 0 || c.eof {
			end := len(buf)
			if i >= 0 && !c.eof {
				end = scanned + i + 1
			}
			ch := &chunk{buf: buf[:end:end], whole: buf, line: c.line, off: c.off}
			c.pending = append(c.spare[:0], buf[end:]...)
			c.spare = c.pending
			c.line += bytes.Count(ch.buf, []byte{'\n'})
			c.off += int64(end)
			if c.err != nil {
				ch.err = c.err
				c.pending = nil
			}
			return ch
		}
		scanned = len(buf)
		if len(buf) > MaxLineBytes {
			err := &rollout.RecordError{File: c.name, Record: fmt.Sprintf("line %d", c.line+1), Err: fmt.Errorf("record longer than %d bytes", MaxLineBytes)}
			c.err = err
			return &chunk{err: err, line: c.line, off: c.off}
		}
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), 2*cap(buf))
			copy(nb, buf)
			buf = nb
		}
	}
}

// Reader reads trajectories one line at a time. With GOMAXPROCS > 1 it
// parses blocks of lines in worker goroutines ahead of the caller; records
// come out in input order either way.
type Reader struct {
	name    string
	ch      chunker
	p       parser
	par     bool
	started bool
	ordered chan *chunk
	stop    chan struct{}
	cur     *chunk
	k       int
	err     error
	line    int
	off     int64
}

// NewReader reads from r; name is used in error messages (the file name).
// Call Close when done reading before the end.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{name: name, ch: chunker{r: r, name: name}, par: workers() > 1, off: -1}
}

// Line is the number of the line last returned.
func (r *Reader) Line() int { return r.line }

// Offset is the byte offset in the input of the record last returned (the
// first byte of its JSON object).
func (r *Reader) Offset() int64 { return r.off }

func (r *Reader) start() {
	r.started = true
	w := workers()
	jobs := make(chan *chunk, w)
	r.ordered = make(chan *chunk, w)
	r.stop = make(chan struct{})
	stop := r.stop
	go func() {
		defer close(jobs)
		defer close(r.ordered)
		for {
			c := r.ch.next()
			if c == nil {
				return
			}
			c.done = make(chan struct{})
			select {
			case r.ordered <- c:
			case <-stop:
				return
			}
			select {
			case jobs <- c:
			case <-stop:
				return
			}
		}
	}()
	for range w {
		go func() {
			var p parser
			for c := range jobs {
				c.parse(&p, r.name)
				close(c.done)
			}
		}()
	}
}

// Close stops the reader's goroutines. It does not close the underlying
// io.Reader.
func (r *Reader) Close() error {
	if r.started && r.stop != nil {
		close(r.stop)
		r.stop = nil
		go func(ordered chan *chunk) { // let the producer and workers finish
			for range ordered {
			}
		}(r.ordered)
	}
	if r.err == nil {
		r.err = errors.New("jsonl: reader closed")
	}
	return nil
}

func (r *Reader) nextChunk() *chunk {
	if !r.par {
		c := r.ch.next()
		if c != nil {
			c.parse(&r.p, r.name)
		}
		return c
	}
	if !r.started {
		r.start()
	}
	c, ok := <-r.ordered
	if !ok {
		return nil
	}
	<-c.done
	return c
}

// Next returns the next trajectory, validated on its own, or io.EOF. Blank
// lines are skipped. Trajectories without traj_uid get "line-N".
func (r *Reader) Next() (*rollout.Trajectory, error) {
	for {
		if r.err != nil {
			return nil, r.err
		}
		if r.cur == nil || r.k >= len(r.cur.recs) {
			if r.cur != nil && r.cur.err != nil {
				r.err = r.cur.err
				continue
			}
			r.cur, r.k = r.nextChunk(), 0
			if r.cur == nil {
				r.err = io.EOF
			}
			continue
		}
		res := r.cur.recs[r.k]
		r.cur.recs[r.k] = result{}
		r.k++
		r.line, r.off = res.line, res.off
		if res.err != nil {
			r.err = res.err
			return nil, res.err
		}
		return res.t, nil
	}
}

// ReadAll reads a whole stream into a batch and validates the batch.
func ReadAll(r io.Reader, name string) (*rollout.Batch, error) {
	rd := NewReader(r, name)
	defer rd.Close()
	b := &rollout.Batch{}
	for {
		t, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		b.Trajectories = append(b.Trajectories, t)
	}
	if err := b.ValidateLinks(); err != nil { // records were validated by Next
		var re *rollout.RecordError
		if errors.As(err, &re) {
			re.File = name
		}
		return nil, err
	}
	return b, nil
}
