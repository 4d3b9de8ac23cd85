package store_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/store"
)

// tlsProxy terminates TLS with a fresh self-signed certificate for
// 127.0.0.1 and passes the bytes on to the test Neo4j, which has no TLS:
// Neo4j with TLS on Bolt, as Aura and most clusters run it, seen from the
// driver. It returns the proxy's host:port and stops when the test ends.
func tlsProxy(t *testing.T, target string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "atlasgraph test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			track(c)
			track(u)
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(u, c); u.Close() }()
			go func() { defer wg.Done(); io.Copy(c, u); c.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// The TLS schemes work end to end, routing included, and a URI whose TLS
// setting does not match the server is reported as such, naming the
// setting and the scheme to use, instead of "it did not answer".
func TestTLSSchemes(t *testing.T) {
	cfg := neo4jtest.Config(t)
	_, plain, ok := strings.Cut(cfg.URI, "://")
	if !ok {
		t.Fatalf("NEO4J_URI %q has no scheme", cfg.URI)
	}
	secure := tlsProxy(t, plain)

	for _, scheme := range []string{"bolt+ssc", "neo4j+ssc"} {
		t.Run(scheme+" works", func(t *testing.T) {
			c := neo4jtest.Config(t)
			c.URI = scheme + "://" + secure
			d, err := store.ConnectServing(context.Background(), c, store.ServingOptions{})
			if err != nil {
				t.Fatalf("connect over %s: %v", c.URI, err)
			}
			defer d.Close(context.Background())
			if _, err := store.New(d, c.Database).Releases(context.Background()); err != nil {
				t.Fatalf("read over %s: %v", c.URI, err)
			}
		})
	}

	for _, tt := range []struct {
		uri  string
		want []string
		is   error
	}{
		{"bolt+s://" + secure, []string{"does not accept", "unknown authority", "bolt+ssc://", "NEO4J_URI"}, store.ErrSettings},
		{"neo4j+s://" + secure, []string{"does not accept", "unknown authority", "neo4j+ssc://", "NEO4J_URI"}, store.ErrSettings},
		{"neo4j+s://" + plain, []string{"does not offer TLS", "neo4j:// without +s", "NEO4J_URI"}, store.ErrSettings},
		{"bolt+ssc://" + plain, []string{"does not offer TLS", "bolt:// without +s"}, store.ErrSettings},
		{"neo4j://" + secure, []string{"closed the connection", "requires TLS", "neo4j+s://", "NEO4J_URI"}, atlas.ErrUnavailable},
		{"bolt://" + secure, []string{"requires TLS", "bolt+s://"}, atlas.ErrUnavailable},
	} {
		t.Run(tt.uri, func(t *testing.T) {
			c := neo4jtest.Config(t)
			c.URI = tt.uri
			c.ConnectTimeout = 10 * time.Second
			d, err := store.ConnectServing(context.Background(), c, store.ServingOptions{})
			if err == nil {
				d.Close(context.Background())
				t.Fatalf("connect over %s worked", tt.uri)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			for _, leak := range []string{c.Password, "ConnectivityError", "Neo."} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q shows %q", msg, leak)
				}
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", msg, tt.is)
			}
		})
	}
}
