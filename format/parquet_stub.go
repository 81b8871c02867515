package format

import (
	"fmt"
	"io"
	"os"
)

// Placeholder until format/parquet lands: Parquet files are rejected with a
// clear error.
func openParquet(f *os.File, path string) (Reader, error) {
	return nil, fmt.Errorf("%s: Parquet support is not built into this credo", path)
}

func newParquetWriter(w io.Writer) (Writer, error) {
	return nil, fmt.Errorf("parquet output is not built into this credo")
}
