package format

import (
	"io"
	"os"

	"github.com/credo-rl/credo/format/parquet"
	"github.com/credo-rl/credo/rollout"
)

type parquetReader struct {
	f *os.File
	r *parquet.Reader
}

func (p *parquetReader) Next() (*rollout.Trajectory, error) { return p.r.Next() }
func (p *parquetReader) Close() error {
	err := p.r.Close()
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func openParquet(f *os.File, path string) (Reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	r, err := parquet.NewReader(f, st.Size(), path)
	if err != nil {
		return nil, err
	}
	return &parquetReader{f: f, r: r}, nil
}

func newParquetWriter(w io.Writer) (Writer, error) {
	return parquet.NewWriter(w), nil
}
