package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeMetricsRoute runs `atlasgraph serve` itself, with the middleware
// it always installs (bearer tokens among them), and checks that a POST
// /graphql is counted under its route, not "unmatched".
func TestServeMetricsRoute(t *testing.T) {
	env := testEnv(t)
	env["ATLASGRAPH_UPSTREAM_CHECK"] = "false"
	env["ATLASGRAPH_TOKENS"] = "sha256:" + strings.Repeat("ab", 32) + " editor ci"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := runCLIContext(ctx, env, "serve", "--addr", addr)
		done <- err
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	url := "http://" + addr
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		res, err := http.Get(url + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v", err)
		default:
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("serve did not answer /healthz: %v", err)
		}
	}
	res, err := http.Post(url+"/graphql", "application/json", strings.NewReader(`{"query":"{ __typename }"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	want := `atlasgraph_http_requests_total{method="POST",route="/graphql",status="200"} 1`
	if !strings.Contains(string(b), want) {
		t.Errorf("/metrics of serve lacks %s:\n%s", want, grepLines(string(b), "atlasgraph_http_requests_total"))
	}
	if strings.Contains(string(b), `route="unmatched",status="200"`) {
		t.Errorf("a matched request is counted as unmatched:\n%s", grepLines(string(b), "atlasgraph_http_requests_total"))
	}
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// runCLIContext is runCLI under ctx, for commands that run until cancelled.
func runCLIContext(ctx context.Context, env map[string]string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}
