package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/attack"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// Code classifies an Error. Every face maps codes, never the errors of the
// packages below app: GraphQL's extensions.code is the code itself, the
// command line picks its exit status and hint from it, MCP puts it in a
// tool error.
type Code string

// The codes of Error.
const (
	// NotFound: the release or object asked for is not loaded.
	NotFound Code = "NOT_FOUND"
	// BadInput: the question cannot be answered as asked (an argument out
	// of range, an unknown value, a file that does not parse).
	BadInput Code = "BAD_INPUT"
	// Conflict: a change named a stale version, or a version or id taken.
	Conflict Code = "CONFLICT"
	// Unavailable: the database cannot be reached; try again later.
	Unavailable Code = "UNAVAILABLE"
	// Busy: every connection to the database is in use by this process.
	Busy Code = "OVERLOADED"
	// Timeout: the question ran past its deadline (or the database stopped
	// it at its time-out).
	Timeout Code = "TIMEOUT"
	// Canceled: the caller gave up.
	Canceled Code = "CANCELED"
	// Internal: a bug or an unexpected failure; the message says nothing
	// more, the log has the cause.
	Internal Code = "INTERNAL"
)

// Error is every refusal and failure app.Service returns: a code and one
// sentence fit to show a user (it names the input and what to do). Err is
// the cause, for logs; it is never shown.
type Error struct {
	Code    Code
	Message string
	Err     error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause, so that errors.Is still sees context errors
// and the sentinels of package atlas.
func (e *Error) Unwrap() error { return e.Err }

// errorf returns an Error of code with a message.
func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Errorf returns an Error of code with a message, for the faces' own
// refusals (an argument their syntax cannot carry), so that they reach the
// user like the service's.
func Errorf(code Code, format string, args ...any) *Error { return errorf(code, format, args...) }

// fail turns any error of the layers below into an Error; nil stays nil,
// an Error stays as it is.
func fail(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: codeOf(err), Message: messageOf(err), Err: err}
}

// ErrorCode is the code of any error: an Error's own, or the class of the
// cause (Internal when nothing says otherwise).
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return codeOf(err)
}

// ErrorMessage is the sentence to show a user for any error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return messageOf(err)
}

func codeOf(err error) Code {
	var nf *atlas.NotFoundError
	switch {
	case IsReading(err):
		return Unavailable
	case errors.Is(err, threatmodel.ErrInvalid):
		return BadInput
	case errors.Is(err, threatmodel.ErrStale), errors.Is(err, threatmodel.ErrExists):
		return Conflict
	case errors.Is(err, threatmodel.ErrNotFound):
		return NotFound
	case errors.As(err, &nf), errors.Is(err, atlas.ErrNotFound):
		return NotFound
	case errors.Is(err, atlas.ErrBadInput):
		return BadInput
	case errors.Is(err, atlas.ErrConflict), errors.Is(err, store.ErrReleaseBusy):
		return Conflict
	case errors.Is(err, loader.ErrUnreachable):
		return Unavailable
	case isLoaderProblem(err):
		return BadInput
	case errors.Is(err, atlas.ErrBusy):
		return Busy
	case errors.Is(err, atlas.ErrUnavailable):
		return Unavailable
	case errors.Is(err, atlas.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return Timeout
	case errors.Is(err, context.Canceled):
		return Canceled
	default:
		return Internal
	}
}

// messageOf is the user's sentence for an error of the layers below: the
// text after the sentinel's own words, which the wrapping put in front; the
// error's own text otherwise. For Unavailable, Busy and Internal that text
// may name the database or the cause: fine on the user's own terminal, so
// faces that answer over a network (the server, MCP) show a sentence of
// their own for those codes and log the cause.
func messageOf(err error) string {
	var nf *atlas.NotFoundError
	var re *readmodel.ReadingError
	switch {
	case errors.As(err, &re):
		return re.Error()
	case errors.Is(err, threatmodel.ErrInvalid), errors.Is(err, threatmodel.ErrStale),
		errors.Is(err, threatmodel.ErrExists), errors.Is(err, threatmodel.ErrNotFound):
		return err.Error()
	case errors.As(err, &nf):
		return nf.Error()
	case errors.Is(err, atlas.ErrNotFound):
		return after(err.Error(), atlas.ErrNotFound.Error()+": ")
	case errors.Is(err, atlas.ErrBadInput):
		return after(err.Error(), atlas.ErrBadInput.Error()+": ")
	case errors.Is(err, atlas.ErrConflict):
		return after(err.Error(), atlas.ErrConflict.Error()+": ")
	case errors.Is(err, atlas.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "the question took longer than its time limit"
	case errors.Is(err, context.Canceled):
		return "the question was cancelled before it completed"
	default:
		return err.Error()
	}
}

// after returns what follows the last occurrence of sep in s, or s.
func after(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

// wrap makes the error an exported method returns an Error: deferred by
// every method of the service, so that no error of the layers below
// reaches a face unclassified.
func wrap(err *error) {
	if *err != nil {
		*err = fail(*err)
	}
}

// isLoaderProblem reports whether err is the loader's or the ATT&CK
// reader's refusal of a file (every problem with its place): the user's to
// fix.
func isLoaderProblem(err error) bool {
	var ve *loader.ValidationError
	return errors.As(err, &ve) || errors.Is(err, attack.ErrInvalid)
}

// IsReading reports whether err says that a question ran out of time while
// the release it needs was being read into memory (a server that just
// started, or just saw a new current release): Unavailable, with a message
// that says so, not a question to make smaller.
func IsReading(err error) bool {
	var re *readmodel.ReadingError
	return errors.As(err, &re)
}
