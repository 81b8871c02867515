//go:build unix

package atomicfile

import (
	"errors"
	"syscall"
)

// alive reports whether process pid exists (EPERM: it exists but belongs to
// another user).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// writable asks the kernel whether this process may create files in dir.
func writable(dir string) error {
	return syscall.Access(dir, 0x2|0x1) // W_OK|X_OK
}
