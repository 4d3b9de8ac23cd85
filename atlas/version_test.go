package atlas

import "testing"

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2026.05", "5.6.0", 1},
		{"5.6.0", "5.5.0", 1},
		{"4.5.0", "5.5.0", -1},
		{"2026.05", "2026.05", 0},
		{"2026.10", "2026.09", 1},
		{"4.10.0", "4.9.0", 1},
		{"5.6", "5.6.0", -1},
		{"5.6.0-rc1", "5.6.0", 1},
		{"5.x", "5.1", 1},
		{"5.10.0", "5.6.0", 1},
	}
	for _, tt := range tests {
		if got := CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareVersions(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}
