package main

import "testing"

func TestEnvSwitch(t *testing.T) {
	for _, c := range []struct {
		value     string
		def, want bool
		bad       bool
	}{
		{"", true, true, false},
		{"false", true, false, false},
		{" OFF ", true, false, false},
		{"0", true, false, false},
		{"yes", false, true, false},
		{"maybe", true, true, true},
	} {
		got, err := envSwitch(func(string) string { return c.value }, envIntrospection, c.def)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("%s=%q: %v, %v; want %v, error %v", envIntrospection, c.value, got, err, c.want, c.bad)
		}
	}
}
