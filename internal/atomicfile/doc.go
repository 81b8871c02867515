// Package atomicfile writes a file so that readers see either nothing or the
// whole of it: data goes to a temporary file in the destination's directory,
// which is renamed over the destination only on Commit.
//
// Temporary files are named ".<base>.credo-tmp-<pid>-<random>" beside the
// destination <base>. While any is open, SIGINT and SIGTERM remove them all
// and exit with the shell's code for the signal (130, 143). Create first
// removes temporaries of the same destination whose process is gone (a run
// killed with SIGKILL or a power cut), so they do not pile up.
//
// A new file gets mode 0666 less the umask, as with os.Create; a replaced
// file keeps the mode of the file it replaces.
package atomicfile
