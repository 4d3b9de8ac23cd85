package yamlpos

import (
	"strconv"
	"strings"
	"testing"
)

var rules = Rules{Plural: "test files", MaxNodes: 20, TooManyNodes: "make it smaller", Empty: "write something", Several: "keep one"}

// TestRead places each refusal at its line and column, and reads good YAML.
func TestRead(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "0:0: the file is empty; write something"},
		{"comment only", "# nothing\n", "0:0: the file is empty; write something"},
		{"two documents", "a: 1\n---\nb: 2\n", "2:1: the file holds several YAML documents; keep one"},
		{"syntax placed at the token", "a:\n  b: [1, 2\n  c: 3\n", "invalid YAML"},
		{"tab", "a:\n  b: 1\n\tc: 2\n", "3:1: invalid YAML"},
		{"alias", "a: &x [1]\nb: *x\n", "2:4: YAML alias *x: test files do not use anchors and aliases"},
		{"custom tag", "a: !secret x\n", "1:4: YAML tag !secret: test files hold only text"},
		{"binary", "a: !!binary aGk=\n", "1:4: binary value (!!binary)"},
		{"too many nodes", "a: [" + strings.Repeat("1, ", 30) + "1]\n", "more than 20 YAML nodes; make it smaller"},
		{"NUL", "a: b\x00\n", "1:5: NUL byte; test files are text"},
		{"invalid UTF-8", "a: \xff\n", "1:4: invalid UTF-8 (byte 0xff)"},
		{"control character", "a: \x07\n", "1:4: control character U+0007"},
		{"byte-order mark inside", "a: 1\n\ufeffb: 2\n", "2:1: byte-order mark inside the file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, probs := Read([]byte(tc.in), rules)
			if root != nil || len(probs) == 0 {
				t.Fatalf("read without a problem: %v", root)
			}
			var got []string
			for _, p := range probs {
				got = append(got, strings.Join([]string{itoa(p.Line), itoa(p.Column)}, ":")+": "+p.Msg)
			}
			if s := strings.Join(got, "\n"); !strings.Contains(s, tc.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", s, tc.want)
			}
		})
	}
	root, probs := Read([]byte("\ufeffa: [1, 2]\nb: {c: d}\n"), rules)
	if len(probs) > 0 || root == nil || len(root.Content) != 4 {
		t.Fatalf("good YAML: %v %v", root, probs)
	}
}

// TestEntries keeps pairs in order and refuses merge keys, keys that are
// not text and repeated keys, each at its place.
func TestEntries(t *testing.T) {
	root, probs := Read([]byte("a: 1\nb: 2\na: 3\n<<: {c: 1}\n[x]: 4\nd: 5\n"), rules)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	pairs, probs := Entries(root)
	var keys []string
	for _, p := range pairs {
		keys = append(keys, p.Key)
	}
	if strings.Join(keys, ",") != "a,b,d" {
		t.Errorf("keys %v, want a,b,d", keys)
	}
	want := []string{`3:1 a duplicate key "a"; it is first defined at line 1`, "4:1  YAML merge key '<<'", "5:1  a key must be text, got a list"}
	if len(probs) != len(want) {
		t.Fatalf("problems %v, want %d", probs, len(want))
	}
	for i, p := range probs {
		got := itoa(p.Line) + ":" + itoa(p.Column) + " " + p.Key + " " + p.Msg
		if !strings.HasPrefix(got, want[i]) {
			t.Errorf("problem %d: %q, want it to start with %q", i, got, want[i])
		}
	}
}

// TestGot describes scalars with their values.
func TestGot(t *testing.T) {
	root, _ := Read([]byte("a: 3\nb: true\nc: x\nd: ~\ne: [1]\n"), rules)
	pairs, _ := Entries(root)
	want := []string{"a number 3", "a boolean true", `a string "x"`, "nothing (null)", "a list"}
	for i, p := range pairs {
		if got := Got(p.V); got != want[i] {
			t.Errorf("%s: %q, want %q", p.Key, got, want[i])
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
