package format

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"
)

// benchData is about 16 MB of JSONL records like a rollout dump's: 200
// random token ids and log-probs each (seeded, so the same every run).
func benchData(*testing.B) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b []byte
	for i := 0; len(b) < 16<<20; i++ {
		b = fmt.Appendf(b, `{"uid":"g%d","traj_uid":"t%d","responses":[`, i/8, i)
		for k := range 200 {
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, rng.Int64N(50000), 10)
		}
		b = append(b, `],"old_log_probs":[`...)
		for k := range 200 {
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, -3*rng.Float64(), 'g', 7, 64)
		}
		b = fmt.Appendf(b, `],"rewards":{"outcome":%d}}`+"\n", i%2)
	}
	return b
}

// BenchmarkCompress reports the MB/s (of uncompressed data) of the
// whole-file compressors on write and read, the ceiling they put on the
// file path: go test -bench Compress ./format/
func BenchmarkCompress(b *testing.B) {
	data := benchData(b)
	for _, c := range []Compression{Gzip, Zstd} {
		b.Run("write-"+string(c), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for range b.N {
				w, _ := newCompressor(io.Discard, c)
				w.Write(data)
				w.Close()
			}
		})
		var buf bytes.Buffer
		w, _ := newCompressor(&buf, c)
		w.Write(data)
		w.Close()
		b.Run("read-"+string(c), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for range b.N {
				r, err := newDecompressor(bytes.NewReader(buf.Bytes()), c)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, r)
				r.Close()
			}
		})
	}
}
