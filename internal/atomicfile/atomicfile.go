package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// tmpTag separates the destination's base name from the pid in the names of
// temporary files.
const tmpTag = ".credo-tmp-"

// File is an output file being written.
type File struct {
	*os.File
	dest string
	mode fs.FileMode // mode for the committed file; 0: leave the kernel's
	done bool
}

// DirError reports an output directory that is missing or cannot be written.
type DirError struct {
	Dir, Dest string
	Err       error
}

func (e *DirError) Error() string {
	return fmt.Sprintf("output directory %s (for %s): %v", e.Dir, e.Dest, e.Err)
}

func (e *DirError) Unwrap() error { return e.Err }

// CheckDir checks, without writing anything, that dest can be created: its
// directory exists, is a directory and is writable. The error is a *DirError
// naming the directory.
func CheckDir(dest string) error {
	dir := filepath.Dir(dest)
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &DirError{Dir: dir, Dest: dest, Err: errors.New("does not exist")}
		}
		return &DirError{Dir: dir, Dest: dest, Err: err}
	}
	if !st.IsDir() {
		return &DirError{Dir: dir, Dest: dest, Err: errors.New("is not a directory")}
	}
	if err := writable(dir); err != nil {
		return &DirError{Dir: dir, Dest: dest, Err: fmt.Errorf("not writable: %w", err)}
	}
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		return &DirError{Dir: dir, Dest: dest, Err: fmt.Errorf("%s is a directory", dest)}
	}
	return nil
}

// Create starts writing dest.
func Create(dest string) (*File, error) {
	return create(dest, 0o666)
}

func create(dest string, perm fs.FileMode) (*File, error) {
	if err := CheckDir(dest); err != nil {
		return nil, err
	}
	dir, base := filepath.Dir(dest), filepath.Base(dest)
	RemoveStale(dest)
	var mode fs.FileMode
	if st, err := os.Stat(dest); err == nil && st.Mode().IsRegular() {
		mode = st.Mode().Perm() // a replaced file keeps its mode
		perm = mode
	}
	watch()
	for range 100 {
		name := filepath.Join(dir, "."+base+tmpTag+strconv.Itoa(os.Getpid())+"-"+random())
		reg.Lock()
		// O_EXCL: never reuse another run's file. The kernel applies the
		// umask to perm, as for os.Create.
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			reg.names[name] = true
		}
		reg.Unlock()
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create output %s: %w", dest, err)
		}
		return &File{File: f, dest: dest, mode: mode}, nil
	}
	return nil, fmt.Errorf("create output %s: no free temporary name", dest)
}

func random() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Dest is the file that Commit writes.
func (f *File) Dest() string { return f.dest }

// Commit flushes, closes and renames the temporary file over dest.
func (f *File) Commit() error {
	if err := f.Finish(); err != nil {
		return err
	}
	return f.Rename()
}

// Finish syncs and closes the temporary file without renaming it: the first
// half of Commit, for committing several files together (see CommitAll). On
// error the temporary file is removed.
func (f *File) Finish() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s already finished", f.dest)
	}
	err := f.File.Sync()
	if err == nil && f.mode != 0 {
		err = f.File.Chmod(f.mode) // not subject to the umask
	}
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		f.Abort()
		return fmt.Errorf("write output %s: %w", f.dest, err)
	}
	return nil
}

// Rename moves a finished temporary file over dest.
func (f *File) Rename() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s already finished", f.dest)
	}
	f.done = true
	reg.Lock()
	defer reg.Unlock()
	delete(reg.names, f.File.Name())
	if err := os.Rename(f.File.Name(), f.dest); err != nil {
		os.Remove(f.File.Name())
		return fmt.Errorf("write output %s: %w", f.dest, err)
	}
	return nil
}

// CommitAll commits several files together: all are synced and closed
// first, and only if every one succeeded are they renamed, in order. When
// any fails, none is renamed and every temporary file is removed.
func CommitAll(files ...*File) error {
	for i, f := range files {
		if err := f.Finish(); err != nil {
			for _, g := range files[i+1:] {
				g.Abort()
			}
			for _, g := range files[:i] {
				g.Abort()
			}
			return err
		}
	}
	for i, f := range files {
		if err := f.Rename(); err != nil {
			for _, g := range files[i+1:] {
				g.Abort()
			}
			return err
		}
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
	reg.Lock()
	delete(reg.names, f.File.Name())
	os.Remove(f.File.Name())
	reg.Unlock()
}

// WriteFile is os.WriteFile through a temporary file: dest is either left
// as it was or replaced by the whole of data. perm (less the umask) applies
// to a new file; a replaced file keeps its mode.
func WriteFile(dest string, data []byte, perm os.FileMode) error {
	f, err := create(dest, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write output %s: %w", dest, err)
	}
	return f.Commit()
}

// Temp creates a scratch file in dir ("" = os.TempDir()) that the signal
// handler removes like an output's temporary file; the caller removes it
// with RemoveTemp when done.
func Temp(dir, pattern string) (*os.File, error) {
	watch()
	reg.Lock()
	defer reg.Unlock()
	f, err := os.CreateTemp(dir, pattern)
	if err == nil {
		reg.names[f.Name()] = true
	}
	return f, err
}

// RemoveTemp closes and removes a file made by Temp.
func RemoveTemp(f *os.File) {
	f.Close()
	reg.Lock()
	delete(reg.names, f.Name())
	os.Remove(f.Name())
	reg.Unlock()
}

// RemoveStale removes the temporary files of dest left by processes that no
// longer run, and returns their names. Files of live processes (another
// credo writing the same destination) are left alone.
func RemoveStale(dest string) []string {
	dir, base := filepath.Dir(dest), filepath.Base(dest)
	prefix := "." + base + tmpTag
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !e.Type().IsRegular() {
			continue
		}
		pidStr, _, ok := strings.Cut(name[len(prefix):], "-")
		pid, err := strconv.Atoi(pidStr)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() || alive(pid) {
			continue
		}
		p := filepath.Join(dir, name)
		if os.Remove(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}

// reg holds the temporary files open in this process, for the signal
// handler.
var reg = struct {
	sync.Mutex
	names map[string]bool
}{names: map[string]bool{}}

var watchOnce sync.Once

// exit is os.Exit, replaceable in tests.
var exit = os.Exit

// HandleSignals, when true (the default), makes the first Create or Temp
// install the SIGINT/SIGTERM handler that removes the temporary files and
// exits. A program that embeds credo and handles signals itself (a Python
// extension, a trainer) sets it to false before writing anything, and then
// calls Abort on its own.
var HandleSignals = true

// watch installs the SIGINT/SIGTERM handler once.
func watch() {
	if !HandleSignals {
		return
	}
	watchOnce.Do(func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
		go func() {
			s := <-c
			reg.Lock() // held until exit: no rename or new file after this
			for name := range reg.names {
				os.Remove(name)
			}
			code := 1
			if n, ok := s.(syscall.Signal); ok {
				code = 128 + int(n)
			}
			exit(code)
		}()
	})
}
