package loader

import "errors"

// ErrUnreachable means a download failed before any answer came: no
// network, a name that does not resolve, a refused connection or a time-out.
// Callers test for it with errors.Is to fall back on what they have.
var ErrUnreachable = errors.New("upstream unreachable")

// unreachable marks a transport error as ErrUnreachable without changing its
// message.
type unreachable struct{ err error }

func (u unreachable) Error() string        { return u.err.Error() }
func (u unreachable) Unwrap() error        { return u.err }
func (u unreachable) Is(target error) bool { return target == ErrUnreachable }
