package parquet

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unsafe"

	"github.com/klauspost/compress/s2"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// The Writer encodes its pages itself rather than through the Parquet
// library's row writer, which spends most of its time on per-value
// bookkeeping (statistics, level histograms, parquet.Value boxing). What it
// writes is plain Parquet as described by the specification
// (https://github.com/apache/parquet-format, Encodings.md and the Thrift
// definitions in parquet.thrift):
//
//   - data pages v2 (levels uncompressed in front of the values, values
//     compressed with SNAPPY), as the library wrote them before;
//   - repetition and definition levels in the RLE/bit-packing hybrid, using
//     RLE runs only (a run per change of level, which is what per-token
//     arrays produce: 0 then 1,1,1... for repetition, the same definition
//     level over a whole list);
//   - values PLAIN (little-endian numbers, length-prefixed byte arrays,
//     bit-packed booleans), except per-token float columns with long runs
//     of few distinct values (advantages and returns of outcome methods, the
//     response mask): RLE_DICTIONARY, whose indices are RLE runs as well;
//   - statistics with the null count only, no page index, no bloom filter.
//
// Pages end at row boundaries and hold about pageBytes of values.

const (
	pageBytes  = 1 << 20 // target size of the values of a page
	pageLevels = 1 << 20 // most levels in a page
	maxDict    = 1 << 16 // most distinct values of a dictionary
)

// littleEndian reports a little-endian machine: numbers are then PLAIN
// encoded by copying their memory.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// runs encodes levels or dictionary indices as RLE runs of the
// RLE/bit-packing hybrid: a ULEB128 header count<<1 followed by the value in
// ceil(width/8) little-endian bytes. Consecutive adds of the same value make
// one run.
type runs struct {
	buf   []byte
	width int
	cur   uint32
	n     int
}

func (r *runs) reset(width int) { r.buf, r.width, r.n = r.buf[:0], width, 0 }

func (r *runs) add(v uint32, n int) {
	if n <= 0 {
		return
	}
	if r.n > 0 && v == r.cur {
		r.n += n
		return
	}
	r.flush()
	r.cur, r.n = v, n
}

func (r *runs) flush() {
	if r.n == 0 {
		return
	}
	r.buf = binary.AppendUvarint(r.buf, uint64(r.n)<<1)
	for i := 0; i < (r.width+7)/8; i++ {
		r.buf = append(r.buf, byte(r.cur>>(8*i)))
	}
	r.n = 0
}

// bytes returns the encoded runs.
func (r *runs) bytes() []byte {
	r.flush()
	return r.buf
}

// bitWidth is the number of bits needed for values up to max.
func bitWidth(max int) int { return bits.Len(uint(max)) }

// appendFloats appends xs PLAIN encoded.
func appendFloats(b []byte, xs []float64) []byte {
	if len(xs) == 0 {
		return b
	}
	if littleEndian {
		return append(b, unsafe.Slice((*byte)(unsafe.Pointer(&xs[0])), len(xs)*8)...)
	}
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

// appendInts appends xs PLAIN encoded as int64.
func appendInts(b []byte, xs []int64) []byte {
	if len(xs) == 0 {
		return b
	}
	if littleEndian {
		return append(b, unsafe.Slice((*byte)(unsafe.Pointer(&xs[0])), len(xs)*8)...)
	}
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	return b
}

// chunkOut is a column chunk being written: its pages, ready to go to the
// file, and its metadata (offsets relative to the start of the chunk).
type chunkOut struct {
	data       []byte
	dictLen    int // bytes of the dictionary page at the start of data, 0 if none
	numValues  int64
	nulls      int64
	uncompSize int64
	encodings  []format.Encoding
}

// pageEncoder holds the scratch buffers of page encoding.
type pageEncoder struct {
	rep, def, idx runs
	vals          []byte
	comp          []byte
	body          []byte
}

// compress returns src compressed with SNAPPY (in e.comp).
func (e *pageEncoder) compress(src []byte) []byte {
	if n := s2.MaxEncodedLen(len(src)); cap(e.comp) < n {
		e.comp = make([]byte, n)
	}
	e.comp = s2.EncodeSnappy(e.comp[:cap(e.comp)], src)
	return e.comp
}

func marshalHeader(h *format.PageHeader) []byte {
	b, err := thrift.Marshal(new(thrift.CompactProtocol), h)
	if err != nil {
		panic("parquet: encoding a page header: " + err.Error()) // plain structs: cannot fail
	}
	return b
}

// dataPage appends a data page v2 to c from the levels and values in e:
// levels is the number of levels (values including nulls), nulls the
// number of null levels, rows the number of rows.
func (e *pageEncoder) dataPage(c *chunkOut, enc format.Encoding, levels, nulls, rows int) {
	rep, def := e.rep.bytes(), e.def.bytes()
	comp := e.compress(e.vals)
	h := format.PageHeader{
		Type:                 format.DataPageV2,
		UncompressedPageSize: int32(len(rep) + len(def) + len(e.vals)),
		CompressedPageSize:   int32(len(rep) + len(def) + len(comp)),
		DataPageHeaderV2: thrift.New(format.DataPageHeaderV2{
			NumValues: int32(levels), NumNulls: int32(nulls), NumRows: int32(rows), Encoding: enc,
			DefinitionLevelsByteLength: int32(len(def)), RepetitionLevelsByteLength: int32(len(rep)),
			IsCompressed: thrift.New(true),
			Statistics:   format.Statistics{NullCount: int64(nulls)},
		}),
	}
	hb := marshalHeader(&h)
	c.data = append(c.data, hb...)
	c.data = append(c.data, rep...)
	c.data = append(c.data, def...)
	c.data = append(c.data, comp...)
	c.uncompSize += int64(len(hb)) + int64(h.UncompressedPageSize)
	c.numValues += int64(levels)
	c.nulls += int64(nulls)
}

// dictPage appends the dictionary page (PLAIN values in e.vals) to c.
func (e *pageEncoder) dictPage(c *chunkOut, n int) {
	comp := e.compress(e.vals)
	h := format.PageHeader{
		Type:                 format.DictionaryPage,
		UncompressedPageSize: int32(len(e.vals)),
		CompressedPageSize:   int32(len(comp)),
		DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{NumValues: int32(n), Encoding: format.Plain}),
	}
	hb := marshalHeader(&h)
	c.data = append(c.data, hb...)
	c.data = append(c.data, comp...)
	c.dictLen = len(c.data)
	c.uncompSize += int64(len(hb)) + int64(len(e.vals))
}

// startPage resets the level encoders for a page of a column with the
// given maximum levels.
func (e *pageEncoder) startPage(maxRep, maxDef int) {
	e.rep.reset(bitWidth(maxRep))
	e.def.reset(bitWidth(maxDef))
	e.vals = e.vals[:0]
}

// listLevels adds the levels of one list row of n elements (-1 null) to e:
// nullDef and emptyDef are the definition levels of a null and an empty
// list, maxDef that of an element. It returns the number of levels and of
// null levels (null or empty lists).
func (e *pageEncoder) listLevels(n, nullDef, emptyDef, maxDef int) (levels, nulls int) {
	switch {
	case n < 0:
		e.rep.add(0, 1)
		e.def.add(uint32(nullDef), 1)
		return 1, 1
	case n == 0:
		e.rep.add(0, 1)
		e.def.add(uint32(emptyDef), 1)
		return 1, 1
	}
	e.rep.add(0, 1)
	e.rep.add(1, n-1)
	e.def.add(uint32(maxDef), n)
	return n, 0
}
