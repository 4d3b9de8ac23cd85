package loader

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
)

// prescan refuses, with the line and column, bytes no YAML release holds:
// NUL and other control characters, invalid UTF-8, and an HTML page given
// in place of a release. The YAML library reports the first two without a
// place, and the last as "several documents" or a syntax error.
func prescan(ps *problems, data []byte) bool {
	if looksLikeHTML(data) {
		ps.add(Problem{Line: 1, Column: 1, Msg: "this is an HTML page, not a YAML release; give the raw release file (on GitHub, the \"Raw\" link), not the page that shows it"})
		return false
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		c, size := utf8.DecodeRune(data[i:])
		switch {
		case c == utf8.RuneError && size <= 1:
			ps.add(Problem{Line: line, Column: col, Msg: fmt.Sprintf("invalid UTF-8 (byte 0x%02x); a release is UTF-8 text: re-save the file as UTF-8", data[i])})
			return false
		case c == 0:
			ps.add(Problem{Line: line, Column: col, Msg: "NUL byte; a release is text: the file is binary or corrupt"})
			return false
		case c == '\n':
			line, col = line+1, 0
		case c < 0x20 && c != '\t' && c != '\r', c == 0x7f:
			ps.add(Problem{Line: line, Column: col, Msg: fmt.Sprintf("control character U+%04X; YAML does not allow it in text: remove it", c)})
			return false
		case c == 0xfeff && i > 0:
			ps.add(Problem{Line: line, Column: col, Msg: "byte-order mark inside the file; only the first character may be one: remove it"})
			return false
		}
		i += size
		col++
	}
	return true
}

// looksLikeHTML reports whether data starts (after blanks and a UTF-8
// byte-order mark) like an HTML or XML document.
func looksLikeHTML(data []byte) bool {
	d := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(d) > 512 {
		d = d[:512]
	}
	d = bytes.ToLower(d)
	for _, p := range []string{"<!doctype", "<html", "<?xml", "<head", "<body", "<!--"} {
		if bytes.HasPrefix(d, []byte(p)) {
			return true
		}
	}
	return false
}

// syntaxErrorAt parses data with goccy/go-yaml and returns the place and
// message of its syntax error, if it finds one. It never panics.
func syntaxErrorAt(data []byte) (line, col int, msg string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_, err := goccyparser.ParseBytes(data, 0)
	var se *goccy.SyntaxError
	if err == nil || !errors.As(err, &se) || se.Token == nil || se.Token.Position == nil || se.Token.Position.Line < 1 {
		return 0, 0, "", false
	}
	return se.Token.Position.Line, se.Token.Position.Column, se.Message, true
}
