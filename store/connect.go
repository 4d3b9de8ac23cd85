package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/config"
)

// ErrSettings means Neo4j answered but refused the settings (user,
// password or database); the message names the setting to fix.
var ErrSettings = errors.New("neo4j settings")

// Connect opens one driver for the process and checks that Neo4j answers,
// accepts the credentials and has the database within cfg.ConnectTimeout.
// The caller closes the driver.
func Connect(ctx context.Context, cfg *config.Neo4j) (neo4j.DriverWithContext, error) {
	driver, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.BasicAuth(cfg.Username, cfg.Password, ""))
	if err != nil {
		return nil, fmt.Errorf("cannot use %s %q: check its form, e.g. %s", config.EnvURI, cfg.RedactedURI(), config.DefaultURI)
	}
	if err := verify(ctx, driver, cfg); err != nil {
		driver.Close(context.Background())
		return nil, err
	}
	return driver, nil
}

// verify checks, within cfg.ConnectTimeout, that Neo4j answers, accepts the
// user and password and has the database, and turns each failure into one
// sentence that names the setting to fix, without the driver's codes.
func verify(ctx context.Context, driver neo4j.DriverWithContext, cfg *config.Neo4j) error {
	cctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	err := driver.VerifyAuthentication(cctx, nil)
	if err == nil {
		_, err = neo4j.ExecuteQuery(cctx, driver, "RETURN 1", nil, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(cfg.Database))
	}
	if err == nil {
		return nil
	}
	return connectError(ctx, cctx, err, cfg)
}

func connectError(ctx, cctx context.Context, err error, cfg *config.Neo4j) error {
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) {
		switch ne.Code {
		case "Neo.ClientError.Security.Unauthorized":
			return fmt.Errorf("%w: Neo4j at %s refused user %q with the password given: check %s and %s (for the local server: eval \"$(scripts/neo4j.sh env)\")",
				ErrSettings, cfg.RedactedURI(), cfg.Username, config.EnvUsername, config.EnvPassword)
		case "Neo.ClientError.Security.AuthenticationRateLimit":
			return fmt.Errorf("%w: Neo4j at %s refuses logins for a while after too many failed ones: wait a minute, then check %s and %s",
				ErrSettings, cfg.RedactedURI(), config.EnvUsername, config.EnvPassword)
		case "Neo.ClientError.Database.DatabaseNotFound":
			return fmt.Errorf("%w: Neo4j at %s has no database %q: set %s (or --neo4j-database) to an existing one (Neo4j Community has only \"neo4j\")",
				ErrSettings, cfg.RedactedURI(), cfg.Database, config.EnvDatabase)
		case "Neo.ClientError.Security.Forbidden", "Neo.ClientError.Security.AuthorizationExpired":
			return fmt.Errorf("%w: user %q may not use database %q on Neo4j at %s: check %s and %s",
				ErrSettings, cfg.Username, cfg.Database, cfg.RedactedURI(), config.EnvUsername, config.EnvDatabase)
		}
		return fmt.Errorf("%w: Neo4j at %s refused the connection (%s): check %s, %s and %s",
			ErrSettings, cfg.RedactedURI(), ne.Msg, config.EnvURI, config.EnvUsername, config.EnvDatabase)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if tlsErr := tlsProblem(err, cfg); tlsErr != nil {
		return tlsErr
	}
	why := "it did not answer"
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "nothing listens on that address"
	case cctx.Err() != nil:
		why = fmt.Sprintf("no answer within %s", cfg.ConnectTimeout)
	default:
		var dns *net.DNSError
		if errors.As(err, &dns) {
			why = fmt.Sprintf("the host name %q does not resolve", dns.Name)
		}
	}
	return fmt.Errorf("%w: cannot reach Neo4j at %s: %s; start it with `make neo4j`, or check %s",
		atlas.ErrUnavailable, cfg.RedactedURI(), why, config.EnvURI)
}

// tlsProblem recognises, from the driver's message (its errors carry no
// type to test), a URI whose TLS setting does not match the server: a +s
// or +ssc scheme against a Neo4j without TLS on that port, a certificate
// this machine does not trust, or a plain scheme against a Neo4j that
// requires TLS (as Aura does), which shows as a connection closed at once.
// It returns nil for anything else.
func tlsProblem(err error, cfg *config.Neo4j) error {
	msg := err.Error()
	scheme := ""
	if u, perr := url.Parse(cfg.URI); perr == nil {
		scheme = u.Scheme
	}
	secure := strings.HasSuffix(scheme, "+s") || strings.HasSuffix(scheme, "+ssc")
	base, _, _ := strings.Cut(scheme, "+")
	switch {
	case secure && strings.Contains(msg, "check that TLS is enabled"):
		return fmt.Errorf("%w: Neo4j at %s closed the connection when TLS began: it does not offer TLS on that port; use %s:// without +s, or enable TLS for Bolt on the server, then check %s",
			ErrSettings, cfg.RedactedURI(), base, config.EnvURI)
	case secure && strings.Contains(msg, "x509: "):
		_, reason, _ := strings.Cut(msg, "x509: ")
		return fmt.Errorf("%w: Neo4j at %s presented a TLS certificate this machine does not accept (%s): install the certificate's CA in the system's trust store, or for a test server with a self-signed certificate use %s+ssc:// in %s",
			ErrSettings, cfg.RedactedURI(), reason, base, config.EnvURI)
	case !secure && (strings.HasSuffix(msg, "EOF") || strings.Contains(msg, "connection reset by peer")):
		return fmt.Errorf("%w: Neo4j at %s closed the connection at once; if it requires TLS (Aura does), use %s+s:// in %s",
			atlas.ErrUnavailable, cfg.RedactedURI(), scheme, config.EnvURI)
	}
	return nil
}
