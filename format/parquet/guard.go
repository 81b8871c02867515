package parquet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/format"
)

// The Parquet library trusts the sizes written in a file: a corrupt footer or
// page header can make it allocate gigabytes before it notices that the
// bytes are not there. The checks below run first, on the footer when a file
// is opened and on the page headers of a row group before it is read, and
// reject sizes that the file cannot hold or that exceed these limits.
const (
	// MaxPageBytes bounds the compressed and uncompressed size of one page.
	MaxPageBytes = 256 << 20
	// MaxPageValues bounds the number of values of one page.
	MaxPageValues = 1 << 24
	// maxPageHeader bounds the bytes read to decode one page header.
	maxPageHeader = 1 << 20
	// maxThriftDepth bounds the nesting of Thrift structures.
	maxThriftDepth = 32
)

var errThrift = errors.New("malformed Thrift metadata")

// Thrift compact protocol types.
const (
	tStop   = 0
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
)

// thriftWalker checks a Thrift compact-protocol struct without allocating:
// every length (binary, list, set, map) must fit in the bytes that remain.
// It records the integer fields at the paths given in want.
type thriftWalker struct {
	b    []byte
	pos  int
	want map[[2]int16]*int64 // (parent field id, field id) -> value; parent 0 = top level
}

func (w *thriftWalker) byte1() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, errThrift
	}
	c := w.b[w.pos]
	w.pos++
	return c, nil
}

func (w *thriftWalker) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.pos:])
	if n <= 0 {
		return 0, errThrift
	}
	w.pos += n
	return v, nil
}

func (w *thriftWalker) varint() (int64, error) {
	u, err := w.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

func (w *thriftWalker) skipN(n uint64) error {
	if n > uint64(len(w.b)-w.pos) {
		return errThrift
	}
	w.pos += int(n)
	return nil
}

// value skips one value of type t; parent and id locate it for want.
func (w *thriftWalker) value(t byte, depth int, parent, id int16) error {
	switch t {
	case tTrue, tFalse:
		if p := w.want[[2]int16{parent, id}]; p != nil {
			*p = int64(2 - t) // tTrue 1, tFalse 0
		}
		return nil
	case tByte:
		return w.skipN(1)
	case tI16, tI32, tI64:
		v, err := w.varint()
		if p := w.want[[2]int16{parent, id}]; p != nil && err == nil {
			*p = v
		}
		return err
	case tDouble:
		return w.skipN(8)
	case tBinary:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		return w.skipN(n)
	case tList, tSet:
		h, err := w.byte1()
		if err != nil {
			return err
		}
		n, et := uint64(h>>4), h&0x0f
		if n == 15 {
			if n, err = w.uvarint(); err != nil {
				return err
			}
		}
		return w.elems(n, depth, et)
	case tMap:
		n, err := w.uvarint()
		if err != nil || n == 0 {
			return err
		}
		kv, err := w.byte1()
		if err != nil {
			return err
		}
		if n > uint64(len(w.b)-w.pos) {
			return errThrift
		}
		for range n {
			if err := w.value(kv>>4, depth+1, -1, -1); err != nil {
				return err
			}
			if err := w.value(kv&0x0f, depth+1, -1, -1); err != nil {
				return err
			}
		}
		return nil
	case tStruct:
		return w.structure(depth+1, id)
	}
	return errThrift
}

func (w *thriftWalker) elems(n uint64, depth int, et byte) error {
	// Every element takes at least one byte (booleans in lists do too).
	if n > uint64(len(w.b)-w.pos) {
		return errThrift
	}
	for range n {
		if et == tTrue || et == tFalse {
			if err := w.skipN(1); err != nil {
				return err
			}
			continue
		}
		if err := w.value(et, depth+1, -1, -1); err != nil {
			return err
		}
	}
	return nil
}

// structure skips the fields of a struct up to its stop byte; self is the
// field id of the struct in its parent (0 at the top level).
func (w *thriftWalker) structure(depth int, self int16) error {
	if depth > maxThriftDepth {
		return errThrift
	}
	var id int16
	for {
		h, err := w.byte1()
		if err != nil {
			return err
		}
		if h == tStop {
			return nil
		}
		if d := int16(h >> 4); d != 0 {
			id += d
		} else {
			v, err := w.varint()
			if err != nil {
				return err
			}
			id = int16(v)
		}
		if err := w.value(h&0x0f, depth, self, id); err != nil {
			return err
		}
	}
}

// checkFooterThrift walks the file metadata before the library decodes it.
func checkFooterThrift(r io.ReaderAt, size int64) error {
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	b := make([]byte, n) // n <= size-12, checked by checkFooter
	if _, err := r.ReadAt(b, size-8-n); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	w := thriftWalker{b: b}
	if err := w.structure(0, 0); err != nil {
		return fmt.Errorf("corrupt footer: %v", err)
	}
	return nil
}

// pageInfo is what checkPages saw of a page: its type, where its body
// starts (after the header), its sizes and, for a data page v2, its
// counts and the lengths of its levels.
type pageInfo struct {
	typ           int64 // format.PageType
	body          int64 // file offset of the body
	csize, usize  int64
	values, nulls int64 // data page v2: num_values, num_nulls; dictionary page: num_values
	encoding      int64 // data page v2 or dictionary page: the encoding of the values
	rlen, dlen    int64 // data page v2: bytes of the repetition and definition levels
	compressed    int64 // data page v2: is_compressed (1, the default, or 0)
}

// checkPages walks the page headers of every column chunk of a row group.
// When pages is not nil, it also returns what it saw of the pages of each
// chunk (pages is reused).
func checkPages(r io.ReaderAt, chunks []format.ColumnChunk, pages [][]pageInfo) ([][]pageInfo, error) {
	hdr := make([]byte, 0, 4096)
	if pages != nil {
		for len(pages) < len(chunks) {
			pages = append(pages, nil)
		}
		pages = pages[:len(chunks)]
		for j := range pages {
			pages[j] = pages[j][:0]
		}
	}
	for j, c := range chunks {
		m := c.MetaData
		start := m.DataPageOffset
		if m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < start {
			start = m.DictionaryPageOffset
		}
		end := start + m.TotalCompressedSize
		for pos := start; pos < end; {
			var usize, csize, nv, dv, v2, dlen, rlen, typ, nulls, enc, compressed, denc int64
			var w thriftWalker
			// Page headers are small: read 4 KiB first, more only if needed.
			for want := int64(4 << 10); ; want *= 16 {
				n := min(end-pos, want, maxPageHeader)
				if int64(cap(hdr)) < n {
					hdr = make([]byte, n)
				}
				hdr = hdr[:n]
				if _, err := r.ReadAt(hdr, pos); err != nil && !errors.Is(err, io.EOF) {
					return nil, err
				}
				usize, csize, nv, dv, v2, dlen, rlen, typ, nulls, enc, compressed, denc = -1, -1, 0, 0, 0, 0, 0, -1, 0, -1, 1, -1
				w = thriftWalker{b: hdr, want: map[[2]int16]*int64{
					{0, 1}: &typ, {0, 2}: &usize, {0, 3}: &csize,
					{5, 1}: &nv, {7, 1}: &dv, {7, 2}: &denc, {8, 1}: &v2, {8, 2}: &nulls, {8, 4}: &enc, {8, 5}: &dlen, {8, 6}: &rlen, {8, 7}: &compressed,
				}}
				err := w.structure(0, 0)
				if err == nil {
					break
				}
				if n == min(end-pos, maxPageHeader) {
					return nil, fmt.Errorf("corrupt page header in column chunk %d at byte %d: %v", j, pos, err)
				}
			}
			pos += int64(w.pos)
			switch {
			case csize < 0 || usize < 0 || csize > MaxPageBytes || usize > MaxPageBytes:
				return nil, fmt.Errorf("corrupt page in column chunk %d at byte %d: page of %d bytes (%d uncompressed), limit %d", j, pos, csize, usize, MaxPageBytes)
			case pos+csize > end:
				return nil, fmt.Errorf("corrupt or truncated page in column chunk %d at byte %d: %d bytes run past the end of the chunk", j, pos, csize)
			case nv < 0 || dv < 0 || v2 < 0 || nv > MaxPageValues || dv > MaxPageValues || v2 > MaxPageValues:
				return nil, fmt.Errorf("corrupt page in column chunk %d at byte %d: %d values, limit %d", j, pos, max(nv, dv, v2), MaxPageValues)
			case dlen < 0 || rlen < 0 || dlen+rlen > csize:
				return nil, fmt.Errorf("corrupt page in column chunk %d at byte %d: levels of %d+%d bytes in a page of %d", j, pos, rlen, dlen, csize)
			}
			// Data page v2 keeps its levels uncompressed in front of the values.
			if err := checkCompressed(r, pos+dlen+rlen, csize-dlen-rlen, m.Codec); err != nil {
				return nil, fmt.Errorf("corrupt page in column chunk %d at byte %d: %v", j, pos, err)
			}
			if pages != nil {
				pages[j] = append(pages[j], pageInfo{typ: typ, body: pos, csize: csize, usize: usize,
					values: v2, nulls: nulls, encoding: enc, rlen: rlen, dlen: dlen, compressed: compressed})
				if typ == int64(format.DictionaryPage) {
					pi := &pages[j][len(pages[j])-1]
					pi.values, pi.encoding = dv, denc
				}
			}
			pos += csize
		}
	}
	return pages, nil
}

// checkCompressed checks the decompressed size that snappy and zstd data
// declare, which their decoders allocate up front.
func checkCompressed(r io.ReaderAt, pos, csize int64, codec format.CompressionCodec) error {
	if csize == 0 {
		return nil
	}
	var b [18]byte
	n, err := r.ReadAt(b[:min(csize, int64(len(b)))], pos)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	h := b[:n]
	switch codec {
	case format.Snappy:
		if v, k := binary.Uvarint(h); k > 0 && v > MaxPageBytes {
			return fmt.Errorf("snappy data declares %d bytes, limit %d", v, MaxPageBytes)
		}
	case format.Zstd:
		if fcs, ok := zstdContentSize(h); ok && fcs > MaxPageBytes {
			return fmt.Errorf("zstd data declares %d bytes, limit %d", fcs, MaxPageBytes)
		}
	}
	return nil
}

// zstdContentSize reads the frame content size of a zstd frame header.
func zstdContentSize(h []byte) (uint64, bool) {
	if len(h) < 5 || binary.LittleEndian.Uint32(h) != 0xFD2FB528 {
		return 0, false
	}
	fhd := h[4]
	single := fhd>>5&1 == 1
	p := 5
	if !single {
		p++ // window descriptor
	}
	p += []int{0, 1, 2, 4}[fhd&3] // dictionary id
	var n int
	switch fhd >> 6 {
	case 0:
		if single {
			n = 1
		}
	case 1:
		n = 2
	case 2:
		n = 4
	case 3:
		n = 8
	}
	if n == 0 || len(h) < p+n {
		return 0, false
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(h[p+i])
	}
	if n == 2 {
		v += 256
	}
	return v, true
}
