package main

import (
	"context"
	"io"
	"log/slog"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/mcp"
)

// mcpCmd serves the Model Context Protocol over stdin and stdout for one
// assistant (a desktop app or an IDE agent starts it as a subprocess).
// Logs go to stderr only: stdout carries the protocol.
func (c *cli) mcpCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Answer an AI assistant over the Model Context Protocol (stdio)",
		Long: "Speaks MCP over stdin and stdout: the questions of atlasgraph as tools (search, show, chain_mitigations,\n" +
			"minimal_mitigation_set, attack_paths, choke_points, coverage_gaps, actor_techniques, evaluate_threat_model,\n" +
			"release_diff, validate_mapping), ATLAS objects and threat-model templates as resources, and prompts.\n" +
			"Read-only unless --allow-writes. Logs go to stderr. Over HTTP: atlasgraph serve --mcp.",
		GroupID: "serve",
		Example: "  NEO4J_URI=bolt://localhost:7687 NEO4J_PASSWORD=... atlasgraph mcp",
		Args:    noArgs,
	}
	cfg := c.neo4jFlags(cmd)
	fs := cmd.Flags()
	timeout := fs.Duration("timeout", mcp.DefaultTimeout, "deadline of one tool call")
	writes := fs.Bool("allow-writes", false, "offer save_threat_model and delete_threat_model (changes the stored threat models)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		if err := cfg.Validate(); err != nil {
			return err
		}
		if *timeout <= 0 {
			return usageError{msg: "--timeout must be positive", cmd: cmd.CommandPath()}
		}
		log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		svc, err := app.Open(ctx, app.Config{Neo4j: cfg, Serving: true, ThreatModels: true, Logger: log})
		if err != nil {
			return err
		}
		defer svc.Close(context.Background())
		svc.Warm()
		go svc.Run(ctx)
		srv := mcp.New(svc, mcp.Options{Version: versionString(), Timeout: *timeout, Writes: *writes, Logger: log})
		t := &sdk.IOTransport{Reader: io.NopCloser(c.stdin), Writer: nopWriteCloser{c.stdout}, MaxLineLength: mcp.MaxMessageBytes}
		return mcp.Run(ctx, srv, t)
	}
	return cmd
}

// nopWriteCloser keeps stdout open when the session ends.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
