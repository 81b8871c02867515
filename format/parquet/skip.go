package parquet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unsafe"

	"github.com/klauspost/compress/snappy"
	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/format"
)

// Skipping the values nobody reads.
//
// Under Follow, the per-token columns that the Writer copies from the
// input are written as they were read. If the caller also does not read
// their values (a credit method reads the mask and the rewards, not the
// token ids or the log-probabilities), decoding them is wasted work: it is
// most of the reading time. Reader.Needs says which per-token arrays the
// caller reads. In a row group whose chunks the Writer will copy (the rows
// are followed, the input row group is small enough to follow, the
// column's layout is the one the Writer writes, and the column is not one
// that credit methods write), the other per-token columns are read as
// follows:
//
//   - token ids (responses) whose pages are all data pages v2: only the
//     repetition and definition levels are read, which v2 keeps
//     uncompressed in front of the values; the values are neither read nor
//     decompressed. The levels give each row's number of tokens, nulls and
//     empty lists; the page header's sizes are checked against the levels.
//   - per-token floats: the values are decoded and checked finite (the
//     copy must never carry NaN or ±Inf into the output), but not copied
//     into per-row arrays.
//
// The trajectory then holds, for such an array, a placeholder of the
// right length whose values are zeros, not those of the file. The Writer
// refuses to encode a placeholder (it can only copy its chunk), so a
// placeholder can never reach an output as data.

// Needs declares the per-token arrays whose values the caller reads, by
// their field names (responses, response_mask, old_log_probs, ...; see
// the package documentation); it replaces any earlier call. Arrays not
// named may, under Follow, be given as placeholders of the right length
// whose values are not those of the file (see skip.go): call it only when
// nothing reads their values. Without a call, every array is read.
func (r *Reader) Needs(fields ...string) error {
	var needs uint16
	for _, f := range fields {
		k := listIndex(f)
		if k < 0 {
			return fmt.Errorf("parquet: Needs: %q is not a per-token field", f)
		}
		needs |= 1 << k
	}
	r.needs = needs
	return nil
}

// listIndex is the index of a per-token field in listColumns order
// (responses, then floatFields), or -1.
func listIndex(name string) int {
	if name == "responses" {
		return 0
	}
	if i := slices.Index(floatFields, name); i >= 0 {
		return 1 + i
	}
	return -1
}

// listNames names the per-token columns of the bits held (listColumns
// order).
func listNames(held uint16) string {
	var names []string
	for k := range listColumns {
		if held&(1<<k) != 0 {
			if k == 0 {
				names = append(names, "responses")
			} else {
				names = append(names, floatFields[k-1])
			}
		}
	}
	return strings.Join(names, ", ")
}

// Skip modes of a per-token leaf in the current row group.
const (
	skipNone   = iota
	skipValues // only the levels are read (token ids in data pages v2)
	skipCopy   // values decoded and checked finite, not copied into rows
	ownValues  // a needed float column read by readLevelsPage (no copy per row)
)

// skipGroup chooses how each per-token column of row group g (just
// opened) is read.
func (r *Reader) skipGroup(g int) {
	r.skipping, r.ownFloats = 0, false
	for i := range r.leaf {
		r.leaf[i].skip = skipNone
	}
	f := r.follower
	if f == nil || !f.active() || r.needs == ^uint16(0) {
		return
	}
	rg := r.file.Metadata().RowGroups[g]
	if !followable(rg.NumRows, rg.TotalByteSize) {
		return
	}
	for i := range r.plan {
		// The per-token floats that are read: by readLevelsPage, which
		// gives each row a slice of the page's values, checked, instead of
		// a copy (ownValues).
		c := &r.plan[i]
		k := listIndex(c.name)
		if c.kind != kindFloats || k <= 0 || r.needs&(1<<k) == 0 || c.n != 1 || c.leafKind != pq.Double || c.first >= len(r.pageInfo) {
			continue
		}
		l := &r.leaf[c.first]
		if l.absent || l.list == nil || !ownPages(r.pageInfo[c.first], rg.Columns[c.first].MetaData.Codec) {
			continue
		}
		l.skip = ownValues
		r.ownFloats = true
		l.src, l.lvPages, l.lvNext = r.r, r.pageInfo[c.first], 0
		l.codec = rg.Columns[c.first].MetaData.Codec
		l.dict, l.dictOK = l.dict[:0], false
		if l.pages != nil {
			l.pages.Close()
			l.pages = nil
		}
	}
	for k, leaf := range f.src {
		if leaf < 0 || r.needs&(1<<k) != 0 || outputColumns&(1<<k) != 0 || leaf >= len(r.pageInfo) {
			continue
		}
		l := &r.leaf[leaf]
		if l.absent || l.list == nil {
			continue
		}
		pages := r.pageInfo[leaf]
		switch {
		case k == 0 && allV2(pages), k > 0 && plainV2(pages, rg.Columns[leaf].MetaData.Codec):
			l.skip = skipValues
			l.src, l.lvPages, l.lvNext = r.r, pages, 0
			l.codec = rg.Columns[leaf].MetaData.Codec
			if l.pages != nil {
				l.pages.Close()
				l.pages = nil
			}
		case k > 0:
			l.skip = skipCopy
		default:
			continue
		}
		r.skipping |= 1 << k
	}
}

// allV2 reports a column chunk whose data pages are all data pages v2
// (with at most dictionary pages beside them).
func allV2(pages []pageInfo) bool {
	for _, p := range pages {
		if p.typ != int64(format.DataPageV2) && p.typ != int64(format.DictionaryPage) {
			return false
		}
	}
	return true
}

// plainV2 reports a column chunk of doubles whose pages are all data
// pages v2 of PLAIN values, uncompressed or compressed with snappy: the
// values of the pages can be checked in place (readLevelsPage).
func plainV2(pages []pageInfo, codec format.CompressionCodec) bool {
	if !littleEndian || (codec != format.Snappy && codec != format.Uncompressed) {
		return false
	}
	for _, p := range pages {
		if p.typ != int64(format.DataPageV2) || p.encoding != int64(format.Plain) {
			return false
		}
	}
	return true
}

// plainDictionary is the encoding PLAIN_DICTIONARY (2), deprecated but
// still written by old writers for dictionary pages and indices.
const plainDictionary = 2

// ownPages reports a column chunk of doubles that readLevelsPage can read
// with its values (ownValues): data pages v2 of PLAIN or dictionary
// indices, a PLAIN dictionary, uncompressed or snappy.
func ownPages(pages []pageInfo, codec format.CompressionCodec) bool {
	if !littleEndian || (codec != format.Snappy && codec != format.Uncompressed) {
		return false
	}
	for _, p := range pages {
		switch {
		case p.typ == int64(format.DataPageV2) && (p.encoding == int64(format.Plain) || p.encoding == int64(format.RLEDictionary) || p.encoding == plainDictionary):
		case p.typ == int64(format.DictionaryPage) && (p.encoding == int64(format.Plain) || p.encoding == plainDictionary):
		default:
			return false
		}
	}
	return true
}

var errLevels = errors.New("corrupt file: the levels of a data page v2 do not match its header")

// readLevelsPage reads the levels of the next data page of a skipValues
// column into p: for token ids, only the levels; for floats, the levels
// and the values, which are checked finite but not kept (p.skip), or, in
// a page that holds a value that is not finite, kept (p.flts), so that
// validation reports it as usual. It returns false at the end of the
// column chunk.
func (l *leafReader) readLevelsPage(r io.ReaderAt, p *listPage) (bool, error) {
	for l.lvNext < len(l.lvPages) {
		pi := l.lvPages[l.lvNext]
		l.lvNext++
		if pi.typ == int64(format.DictionaryPage) && l.skip == ownValues {
			if err := l.readDict(r, pi); err != nil {
				return false, err
			}
			continue
		}
		if pi.typ != int64(format.DataPageV2) {
			continue // the dictionary: not needed for the levels
		}
		n := int(pi.values)
		if n == 0 {
			continue
		}
		size := pi.rlen + pi.dlen
		if !l.integer {
			size = pi.csize // the values too
		}
		if int64(cap(l.lvBuf)) < size {
			l.lvBuf = make([]byte, size)
		}
		buf := l.lvBuf[:size]
		if n, err := r.ReadAt(buf, pi.body); err != nil && !(errors.Is(err, io.EOF) && int64(n) == size) {
			return false, err
		}
		s := l.scratch(p)
		p.own, p.skip = true, true
		var err error
		maxRep := byte(1)
		if s.rep, err = decodeLevels(s.rep, buf[:pi.rlen], maxRep, n); err != nil {
			return false, err
		}
		if s.def, err = decodeLevels(s.def, buf[pi.rlen:pi.rlen+pi.dlen], l.maxDef, n); err != nil {
			return false, err
		}
		p.rep, p.def = s.rep, s.def
		if len(p.rep) < len(p.def) {
			return false, errListPage
		}
		if p.rep[0] != 0 {
			return false, fmt.Errorf("corrupt file: a data page v2 of column %s starts inside a row", l.list.name)
		}
		// The values that the levels call for must be those the header
		// declares; PLAIN int64 values take 8 bytes each.
		k := int64(bytes.Count(p.def, []byte{l.maxDef}))
		if pi.nulls != int64(n)-k || (pi.encoding == int64(format.Plain) && pi.usize-pi.rlen-pi.dlen != 8*k) {
			return false, errLevels
		}
		if l.integer {
			return true, nil
		}
		vals := buf[pi.rlen+pi.dlen:]
		if l.skip == skipValues && l.codec == format.Snappy && pi.compressed != 0 {
			// Values not kept: when the snappy block holds only literals
			// (as doubles of log-probabilities compress), they are checked
			// in place, without decompressing.
			if n, finite, ok := snappyLiteralsFinite(vals); ok && int64(n) == 8*k && finite {
				return true, nil
			}
		}
		if l.codec == format.Snappy && pi.compressed != 0 {
			var err error
			if l.valBuf, err = snappy.Decode(l.valBuf[:cap(l.valBuf)], vals); err != nil {
				return false, fmt.Errorf("corrupt file: decompressing a page of column %s: %v", l.list.name, err)
			}
			vals = l.valBuf
		} else if len(vals) > 0 && uintptr(unsafe.Pointer(&vals[0]))%8 != 0 {
			vals = append(l.valBuf[:0], vals...) // aligned for the float64 view
			l.valBuf = vals
		}
		if l.skip == ownValues {
			// A fresh array: the rows get slices of it.
			var xs []float64
			if pi.encoding == int64(format.Plain) {
				if int64(len(vals)) != 8*k {
					return false, errLevels
				}
				xs = clone(unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(vals))), k))
				p.checked = allFinite(xs) && (l.list.name != "response_mask" || allNonNeg(xs))
			} else {
				xs = make([]float64, k)
				if err := dictDecode(xs, vals, l.dict); err != nil {
					return false, fmt.Errorf("corrupt file: a page of column %s: %v", l.list.name, err)
				}
				p.checked = l.dictOK
			}
			p.flts, p.skip = xs, false
			return true, nil
		}
		if int64(len(vals)) != 8*k {
			return false, errLevels
		}
		xs := unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(vals))), k)
		if !allFinite(xs) {
			s.flts = append(s.flts[:0], xs...)
			p.flts, p.skip = s.flts, false
		}
		return true, nil
	}
	l.done = true
	return false, nil
}

// snappyLiteralsFinite checks the doubles (little-endian) that a snappy
// block decodes to, when the block is made of literals only: n is the
// decoded length and finite whether no value is NaN or ±Inf. ok is false
// when the block holds a copy or is malformed (the caller then decodes it,
// which reports a malformed block).
func snappyLiteralsFinite(src []byte) (n int, finite, ok bool) {
	want, k := binary.Uvarint(src)
	if k <= 0 || want > MaxPageBytes {
		return 0, false, false
	}
	src = src[k:]
	const exp = 0x7ff0000000000000
	var carry [8]byte
	nc := 0 // bytes of a value begun in an earlier literal
	bad := false
	for len(src) > 0 {
		tag := src[0]
		if tag&3 != 0 {
			return 0, false, false // a copy
		}
		m := int(tag >> 2)
		src = src[1:]
		if m >= 60 {
			w := m - 59
			if len(src) < w {
				return 0, false, false
			}
			m = 0
			for i := w - 1; i >= 0; i-- {
				m = m<<8 | int(src[i])
			}
			src = src[w:]
		}
		m++
		if m <= 0 || m > len(src) {
			return 0, false, false
		}
		lit := src[:m]
		src = src[m:]
		n += m
		if nc > 0 {
			c := copy(carry[nc:], lit)
			nc += c
			lit = lit[c:]
			if nc < 8 {
				continue
			}
			if binary.LittleEndian.Uint64(carry[:])&exp == exp {
				bad = true
			}
			nc = 0
		}
		for len(lit) >= 8 {
			if binary.LittleEndian.Uint64(lit)&exp == exp {
				bad = true
			}
			lit = lit[8:]
		}
		nc = copy(carry[:], lit)
	}
	if uint64(n) != want || nc != 0 {
		return 0, false, false
	}
	return n, !bad, true
}

// readDict reads the PLAIN dictionary of an ownValues column.
func (l *leafReader) readDict(r io.ReaderAt, pi pageInfo) error {
	if int64(cap(l.lvBuf)) < pi.csize {
		l.lvBuf = make([]byte, pi.csize)
	}
	buf := l.lvBuf[:pi.csize]
	if n, err := r.ReadAt(buf, pi.body); err != nil && !(errors.Is(err, io.EOF) && int64(n) == pi.csize) {
		return err
	}
	vals := buf
	if l.codec == format.Snappy {
		var err error
		if l.valBuf, err = snappy.Decode(l.valBuf[:cap(l.valBuf)], buf); err != nil {
			return fmt.Errorf("corrupt file: decompressing the dictionary of column %s: %v", l.list.name, err)
		}
		vals = l.valBuf
	}
	if pi.values < 0 || int64(len(vals)) != 8*pi.values {
		return fmt.Errorf("corrupt file: the dictionary of column %s holds %d bytes for %d values", l.list.name, len(vals), pi.values)
	}
	l.dict = append(l.dict[:0], unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(vals))), pi.values)...)
	l.dictOK = allFinite(l.dict) && (l.list.name != "response_mask" || allNonNeg(l.dict))
	return nil
}

// dictDecode decodes len(dst) dictionary indices (a bit width byte, then
// RLE/bit-packed runs) into their values.
func dictDecode(dst []float64, src []byte, dict []float64) error {
	if len(dst) == 0 {
		return nil
	}
	if len(src) == 0 {
		return errors.New("no dictionary indices")
	}
	bw := uint(src[0])
	if bw > 32 {
		return fmt.Errorf("dictionary index width %d", bw)
	}
	src = src[1:]
	out := 0
	for out < len(dst) {
		h, n := binary.Uvarint(src)
		if n <= 0 {
			return errors.New("truncated dictionary indices")
		}
		src = src[n:]
		if h&1 == 0 { // a run of one value
			count := int(min(h>>1, uint64(len(dst)-out)))
			w := int(bw+7) / 8
			if len(src) < w {
				return errors.New("truncated dictionary indices")
			}
			var v uint64
			for i := w - 1; i >= 0; i-- {
				v = v<<8 | uint64(src[i])
			}
			src = src[w:]
			if v >= uint64(len(dict)) {
				return fmt.Errorf("dictionary index %d out of range (%d values)", v, len(dict))
			}
			fill(dst[out:out+count], dict[v])
			out += count
			continue
		}
		groups := h >> 1 // bit-packed: groups of 8 values
		nb := groups * uint64(bw)
		if nb > uint64(len(src)) {
			return errors.New("truncated dictionary indices")
		}
		bitsIn := src[:nb]
		src = src[nb:]
		total := int(min(groups*8, uint64(len(dst)-out)))
		for i := range total {
			bit := uint(i) * bw
			var v uint64
			for b := uint(0); b < bw; b++ {
				pos := bit + b
				v |= uint64(bitsIn[pos/8]>>(pos%8)&1) << b
			}
			if v >= uint64(len(dict)) {
				return fmt.Errorf("dictionary index %d out of range (%d values)", v, len(dict))
			}
			dst[out+i] = dict[v]
		}
		out += total
	}
	return nil
}

// fill sets every element of xs to x (doubling copies: memmove).
func fill(xs []float64, x float64) {
	if len(xs) == 0 {
		return
	}
	xs[0] = x
	for done := 1; done < len(xs); done *= 2 {
		copy(xs[done:], xs[:done])
	}
}

// allNonNeg reports whether no value of xs is below 0.
func allNonNeg(xs []float64) bool {
	for _, x := range xs {
		if x < 0 {
			return false
		}
	}
	return true
}

// finishOwn decodes a row of an ownValues column: a slice of the page's
// values (no copy), checked as they were read.
func (l *leafReader) finishOwn(res *listCell, defs []byte, flts []float64, checked bool) {
	c := l.list
	n, err := c.listShapeOf(defs)
	switch {
	case err != nil:
		res.err = err
	case n < 0:
	case len(flts) != n:
		res.err = c.nullLevel(defs)
	default:
		res.flts, res.checked = flts[:n:n], checked
	}
}

// decodeLevels decodes n RLE/bit-packed levels of at most maxLevel.
func decodeLevels(dst, src []byte, maxLevel byte, n int) ([]byte, error) {
	if maxLevel == 0 {
		dst = dst[:0]
		for range n {
			dst = append(dst, 0)
		}
		return dst, nil
	}
	e := rle.Encoding{BitWidth: bits.Len8(maxLevel)}
	out, err := e.DecodeLevels(dst[:0], src)
	if err != nil || len(out) < n {
		return out, errLevels
	}
	// A level above maxLevel is not checked here: a definition level is
	// then neither a value nor a null or empty list, which finish reports
	// as a null element; a repetition level above 1 reads as 1.
	return out[:n], nil
}

// placeholderInts returns n zeros that stand for token ids not read.
func (l *leafReader) placeholderInts(n int) []int64 {
	if l.zi == nil || len(l.zi) < n {
		l.zi = make([]int64, max(n, 2*len(l.zi), 4096))
	}
	return l.zi[:n:n]
}

// placeholderFloats returns n zeros that stand for floats not kept.
func (l *leafReader) placeholderFloats(n int) []float64 {
	if l.zf == nil || len(l.zf) < n {
		l.zf = make([]float64, max(n, 2*len(l.zf), 4096))
	}
	return l.zf[:n:n]
}

// isPlaceholder reports whether xs is a placeholder of this leaf.
func (l *leafReader) isPlaceholder(xs []float64) bool {
	return len(l.zf) > 0 && unsafe.SliceData(xs) == unsafe.SliceData(l.zf)
}

// finishSkipped decodes a row of a skipValues column from its levels: the
// row has k non-null values, which were not read.
func (l *leafReader) finishSkipped(res *listCell, defs []byte, k int) {
	c := l.list
	n, err := c.listShapeOf(defs)
	switch {
	case err != nil:
		res.err = err
	case n < 0:
	case k != n:
		res.err = c.nullLevel(defs)
	default:
		if l.integer {
			res.ints = l.placeholderInts(n)
		} else {
			res.flts = l.placeholderFloats(n)
		}
	}
}

// finishRow decodes a list row into res, giving a placeholder for the
// floats of a skipCopy column that are all finite (the others are kept,
// so that validation reports them as usual).
func (l *leafReader) finishRow(res *listCell, defs []byte, ints []int64, flts []float64) {
	c := l.list
	if (l.skip == skipCopy || l.skip == skipValues) && !l.integer {
		if n, err := c.listShapeOf(defs); err == nil && n >= 0 && len(flts) == n && allFinite(flts) {
			res.flts = l.placeholderFloats(n)
			return
		}
	}
	c.finish(res, defs, ints, flts)
}

// allFinite reports whether no value of xs is NaN or ±Inf (exponent bits
// all ones).
func allFinite(xs []float64) bool {
	const exp = 0x7ff0000000000000
	var bad uint64
	for _, x := range xs {
		b := math.Float64bits(x) & exp
		if b == exp {
			bad = 1
		}
	}
	return bad == 0
}
