package loader

import "bytes"

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
