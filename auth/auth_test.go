package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPolicy(t *testing.T) {
	p, err := Parse("tokens", Digest("ed-secret")+" editor alice\n# comment\n"+Digest("rd-secret")+" reader bob\n", true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		header           string
		readErr, writeEr error
	}{
		{"", nil, ErrUnauthenticated},
		{"Bearer ed-secret", nil, nil},
		{"Bearer rd-secret", nil, ErrForbidden},
		{"Bearer wrong", ErrUnauthenticated, ErrUnauthenticated},
		{"Basic ed-secret", ErrUnauthenticated, ErrUnauthenticated},
	}
	for _, tc := range tests {
		var ctx context.Context
		h := p.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ctx = r.Context() }))
		req := httptest.NewRequest("POST", "/graphql", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		if err := p.CanRead(ctx); !errors.Is(err, tc.readErr) && !(err == nil && tc.readErr == nil) {
			t.Errorf("%q read: %v, want %v", tc.header, err, tc.readErr)
		}
		if err := p.CanWrite(ctx); !errors.Is(err, tc.writeEr) && !(err == nil && tc.writeEr == nil) {
			t.Errorf("%q write: %v, want %v", tc.header, err, tc.writeEr)
		}
		if err := p.CanWrite(ctx); err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("an error shows the token: %v", err)
		}
	}
	closed, _ := Parse("t", Digest("rd")+" reader", false)
	if err := closed.CanRead(context.Background()); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("closed reads without a token: %v", err)
	}
}

func TestBadEntries(t *testing.T) {
	for _, text := range []string{"plaintoken editor", "sha256:abcd editor", Digest("x") + " admin", Digest("x")} {
		if _, err := Parse("f", text, true); err == nil {
			t.Errorf("%q accepted", text)
		} else if strings.Contains(err.Error(), "plaintoken") {
			t.Errorf("the error repeats the entry: %v", err)
		}
	}
	if _, err := FromEnv(func(k string) string {
		if k == EnvReads {
			return "sometimes"
		}
		return ""
	}); err == nil {
		t.Error("ATLASGRAPH_READS=sometimes accepted")
	}
}
