package serve

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/credo-rl/credo/format"
	credov1 "github.com/credo-rl/credo/serve/gen/credo/v1"
)

// intake collects a request's batch into a temporary file, chunk by chunk,
// so that the engine reads it exactly as `credo assign` reads a file and
// memory does not grow with a streamed batch.
type intake struct {
	dir     string // the request's scratch directory
	path    string // the input file, named for its format
	spec    format.Spec
	records bool // the batch comes as records (written as JSONL)
	started bool
	file    *os.File
	w       format.Writer // records only
	n       int           // records written
	bytes   int64
	max     int64 // 0 = no limit
}

func newIntake(tmp string, max int64) (*intake, error) {
	dir, err := os.MkdirTemp(tmp, "req-")
	if err != nil {
		return nil, fmt.Errorf("scratch directory: %w", err)
	}
	return &intake{dir: dir, max: max}, nil
}

// close removes the scratch directory.
func (in *intake) close() {
	if in.file != nil {
		in.file.Close()
	}
	os.RemoveAll(in.dir)
}

var errTooLarge = errors.New("request too large")

// add appends one message's body chunk or records.
func (in *intake) add(body *credov1.Body, recs []*credov1.Record) error {
	hasBody := body != nil && (len(body.Data) > 0 || body.Format != "")
	if hasBody && len(recs) > 0 {
		return invalid("a request carries either body or records, not both")
	}
	if !hasBody && len(recs) == 0 {
		return nil
	}
	if !in.started {
		in.started = true
		in.records = !hasBody
		if hasBody {
			name := body.Format
			if name == "" {
				name = "jsonl"
			}
			spec, err := format.ParseSpec(name)
			if err != nil {
				return invalid("body.format: %v", err)
			}
			in.spec = spec
		} else {
			in.spec = format.Spec{Kind: format.JSONL}
		}
		in.path = filepath.Join(in.dir, "request."+in.spec.String())
		f, err := os.Create(in.path)
		if err != nil {
			return err
		}
		in.file = f
		if in.records {
			w, err := format.NewSpecWriter(f, in.spec)
			if err != nil {
				return err
			}
			in.w = w
		}
	}
	if hasBody {
		if in.records {
			return invalid("a stream carries either body chunks or records, not both")
		}
		if body.Format != "" && !strings.EqualFold(body.Format, in.spec.String()) {
			if s, err := format.ParseSpec(body.Format); err != nil || s != in.spec {
				return invalid("body.format %q differs from the stream's first format %q", body.Format, in.spec)
			}
		}
		in.bytes += int64(len(body.Data))
		if in.max > 0 && in.bytes > in.max {
			return errTooLarge
		}
		_, err := in.file.Write(body.Data)
		return err
	}
	if !in.records {
		return invalid("a stream carries either body chunks or records, not both")
	}
	for _, r := range recs {
		in.n++
		t, err := toTrajectory(r)
		if err != nil {
			return invalid("records[%d] (traj_uid %q): %v", in.n-1, r.TrajUid, err)
		}
		if err := in.w.Write(t); err != nil {
			return invalid("records[%d] (traj_uid %q): %v", in.n-1, r.TrajUid, err)
		}
	}
	if st, err := in.file.Stat(); err == nil {
		in.bytes = st.Size()
		if in.max > 0 && in.bytes > in.max {
			return errTooLarge
		}
	}
	return nil
}

// finish closes the input file; it reports an empty batch.
func (in *intake) finish() error {
	if !in.started {
		return invalid("no batch: give body.data or records")
	}
	if in.w != nil {
		if err := in.w.Close(); err != nil {
			return err
		}
	}
	err := in.file.Close()
	in.file = nil
	return err
}

// name replaces the scratch path in the engine's messages by what the
// client sent.
func (in *intake) name(msg string) string {
	if in.records {
		msg = strings.ReplaceAll(msg, in.path+": line ", "records: record ")
		msg = strings.ReplaceAll(msg, in.path+" line ", "records: record ")
		return strings.ReplaceAll(msg, in.path, "records")
	}
	return strings.ReplaceAll(msg, in.path, "body")
}

// readBody reads a result file back as a body or records.
func readResult(path, outFormat string, asRecords bool) (*credov1.Body, []*credov1.Record, error) {
	if !asRecords {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		return &credov1.Body{Data: b, Format: outFormat}, nil, nil
	}
	r, err := format.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var out []*credov1.Record
	for {
		t, err := r.Next()
		if err == io.EOF {
			return nil, out, nil
		}
		if err != nil {
			return nil, nil, err
		}
		rec, err := toRecord(t)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, rec)
	}
}
