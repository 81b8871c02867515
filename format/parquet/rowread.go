package parquet

import (
	"fmt"
	"io"

	"github.com/credo-rl/credo/rollout"
)

// SeekRow positions r so that the next call to Next returns row (counted
// from 1 over the whole file, as Row). Rows before it in its row group are
// skipped by the Parquet library's page reader (SeekToRow), which decodes
// the pages before the row when the file has no page index.
func (r *Reader) SeekRow(row int) error {
	if r.ahead != nil {
		return fmt.Errorf("parquet: SeekRow on a Reader that reads ahead")
	}
	if r.err != nil && r.err != io.EOF {
		return r.err
	}
	md := r.file.Metadata()
	if row < 1 || int64(row) > md.NumRows {
		return fmt.Errorf("parquet: row %d out of range: %s has %d rows", row, r.name, md.NumRows)
	}
	r.closeGroup()
	r.n, r.i, r.err = 0, 0, nil
	start := 0
	for g, rg := range md.RowGroups {
		if int64(row-1-start) < rg.NumRows {
			if _, err := checkPages(r.r, rg.Columns, nil); err != nil {
				r.err = &rollout.RecordError{File: r.name, Record: fmt.Sprintf("row %d", row), Err: err}
				return r.err
			}
			r.openGroup(r.groups[g])
			r.g = g + 1
			r.seekTo, r.inGroup = row-1-start, row-1-start
			r.row = row - 1
			return nil
		}
		start += int(rg.NumRows)
	}
	return fmt.Errorf("parquet: row %d not found in the row groups of %s", row, r.name)
}

// RowReader reads the rows of a Parquet file by number, in any order, for
// groups whose records are spread over the file: memory is that of the
// rows asked for plus that of at most MaxCursors readers.
//
// It keeps a few Readers ("cursors") at different places in the file. A
// row is read by the cursor just before it, which skips at most maxSkip
// rows to get there; failing that, by a new cursor, or by the cursor used
// least recently, sought to the row (Reader.SeekRow). Reading rows that lie
// in up to MaxCursors runs, each read in increasing order (groups spread
// evenly over the file, as record k of group k mod G), decodes every row
// once; other orders decode some rows more than once, never more than a
// row group per row.
type RowReader struct {
	r       io.ReaderAt
	size    int64
	name    string
	closer  io.Closer
	cursors []*cursor
	tick    int
	// Decoded counts the rows decoded (read or skipped), for tests and
	// benchmarks.
	Decoded int
}

// MaxCursors is the most Readers a RowReader keeps open.
const MaxCursors = 16

// maxSkip is the most rows a cursor skips to reach a row ahead of it.
const maxSkip = 32

type cursor struct {
	rd   *Reader
	next int // the row its Next returns
	used int
}

// NewRowReader reads rows of the Parquet file of size bytes in r; name is
// used in error messages.
func NewRowReader(r io.ReaderAt, size int64, name string) (*RowReader, error) {
	rd, err := NewReader(r, size, name)
	if err != nil {
		return nil, err
	}
	rr := &RowReader{r: r, size: size, name: name}
	rr.cursors = append(rr.cursors, &cursor{rd: rd, next: 1})
	return rr, nil
}

// OpenRows opens the named file for reading rows by number.
func OpenRows(path string) (*RowReader, error) {
	rr, f, err := openSized(path, NewRowReader)
	if err != nil {
		return nil, err
	}
	rr.closer = f
	return rr, nil
}

// NumRows is the number of rows of the file.
func (rr *RowReader) NumRows() int64 { return rr.cursors[0].rd.NumRows() }

// Read returns row (counted from 1), validated as by Reader.Next.
func (rr *RowReader) Read(row int) (*rollout.Trajectory, error) {
	rr.tick++
	var best *cursor
	for _, c := range rr.cursors {
		if c.next <= row && row-c.next <= maxSkip && (best == nil || c.next > best.next) {
			best = c
		}
	}
	if best == nil {
		if len(rr.cursors) < MaxCursors {
			rd, err := NewReader(rr.r, rr.size, rr.name)
			if err != nil {
				return nil, err
			}
			best = &cursor{rd: rd, next: 1}
			rr.cursors = append(rr.cursors, best)
		} else {
			best = rr.cursors[0]
			for _, c := range rr.cursors {
				if c.used < best.used {
					best = c
				}
			}
		}
		if best.next != row {
			if err := best.rd.SeekRow(row); err != nil {
				return nil, err
			}
			best.next = row
		}
	}
	best.used = rr.tick
	for best.next < row {
		best.next++
		rr.Decoded++
		if _, err := best.rd.Next(); err != nil {
			return nil, err
		}
	}
	best.next++
	rr.Decoded++
	return best.rd.Next()
}

// Close closes the cursors, and the file if the RowReader was made by
// OpenRows.
func (rr *RowReader) Close() error {
	for _, c := range rr.cursors {
		c.rd.Close()
	}
	rr.cursors = nil
	if rr.closer != nil {
		c := rr.closer
		rr.closer = nil
		return c.Close()
	}
	return nil
}
