//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
)

// pidNamespace names this process's PID namespace ("pid:[4026531836]"),
// "" where there is none to read.
func pidNamespace() string {
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return ns
}

// processGone reports whether no process has that id (in this PID
// namespace). A process of another user, or a zombie, still counts.
func processGone(pid int) bool {
	return pid > 0 && errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
