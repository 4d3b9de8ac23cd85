//go:build !unix

package store

// pidNamespace is "" where the PID namespace cannot be named: a lease is
// then never taken over before it lapses.
func pidNamespace() string { return "" }

func processGone(int) bool { return false }
