// Package atomicfile writes a file so that readers see either nothing or the
// whole of it: data goes to a temporary file in the destination's directory,
// which is renamed over the destination only on Commit.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// File is an output file being written.
type File struct {
	*os.File
	dest string
	done bool
}

// Create starts writing dest.
func Create(dest string) (*File, error) {
	dir := filepath.Dir(dest)
	f, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create output %s: %w", dest, err)
	}
	return &File{File: f, dest: dest}, nil
}

// Commit flushes, closes and renames the temporary file over dest.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s already finished", f.dest)
	}
	f.done = true
	if err := f.File.Sync(); err != nil {
		f.File.Close()
		os.Remove(f.File.Name())
		return fmt.Errorf("write output %s: %w", f.dest, err)
	}
	if err := f.File.Close(); err != nil {
		os.Remove(f.File.Name())
		return fmt.Errorf("write output %s: %w", f.dest, err)
	}
	if err := os.Rename(f.File.Name(), f.dest); err != nil {
		os.Remove(f.File.Name())
		return fmt.Errorf("write output %s: %w", f.dest, err)
	}
	return nil
}

// Abort discards the temporary file; dest is left as it was. It is safe to
// call after Commit (then it does nothing), so it can be deferred.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}

// WriteFile is os.WriteFile through a temporary file: dest is either left
// as it was or replaced by the whole of data.
func WriteFile(dest string, data []byte, perm os.FileMode) error {
	f, err := Create(dest)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write output %s: %w", dest, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("write output %s: %w", dest, err)
	}
	return f.Commit()
}
