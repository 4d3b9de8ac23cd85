import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.server.configuration.ConfigurableServerModules;
import org.neo4j.server.configuration.ServerSettings;

/**
 * Runs Neo4j Community embedded, reachable over Bolt, for local development and
 * tests. Neo4j's server tarball is not on Maven Central, so scripts/neo4j.sh
 * starts this instead.
 *
 * Usage: java -cp classes:lib/* Launcher --data-dir DIR --logs-dir DIR --port N --password-file FILE
 *            [--http-port N] [--test-marker-file FILE]
 * Each flag falls back to an environment variable (NEO4J_LAUNCHER_DATA_DIR,
 * NEO4J_LAUNCHER_LOGS_DIR, NEO4J_LAUNCHER_PORT, NEO4J_LAUNCHER_PASSWORD_FILE,
 * NEO4J_LAUNCHER_HTTP_PORT, NEO4J_LAUNCHER_TEST_MARKER_FILE).
 *
 * --http-port (default 0, off) opens HTTP on 127.0.0.1 with Neo4j Browser
 * (the org.neo4j.client:neo4j-browser jar on the class path) at /browser/ and
 * the transactional endpoints; authentication applies to HTTP as to Bolt.
 *
 * --test-marker-file names a file holding a token; the launcher then writes
 * one node (:AtlasgraphTestInstance {token}) into the default database, which
 * marks it as a test instance that tests may empty (internal/neo4jtest checks
 * the node and the token before every wipe). scripts/neo4j.sh passes it only
 * for a test instance whose data folder it has just created.
 *
 * Once the database is up and the password of user "neo4j" has been set from
 * the password file, it prints "neo4j-launcher: ready bolt://127.0.0.1:PORT";
 * scripts/neo4j.sh waits for that line. The password itself is never printed.
 * SIGTERM (or Ctrl-C) shuts the database down cleanly.
 */
public final class Launcher {
    private static final String PREFIX = "neo4j-launcher: ";

    private static volatile DatabaseManagementService managementService;
    private static final CountDownLatch stopped = new CountDownLatch(1);

    public static void main(String[] args) {
        Map<String, String> opts;
        try {
            opts = parseArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println(PREFIX + e.getMessage());
            System.err.println("usage: Launcher --data-dir DIR --logs-dir DIR --port N --password-file FILE [--http-port N] [--test-marker-file FILE]");
            System.exit(2);
            return;
        }
        Path dataDir = Path.of(option(opts, "data-dir", "NEO4J_LAUNCHER_DATA_DIR", null)).toAbsolutePath();
        Path logsDir = Path.of(option(opts, "logs-dir", "NEO4J_LAUNCHER_LOGS_DIR", dataDir.resolve("logs").toString()))
                .toAbsolutePath();
        int port = Integer.parseInt(option(opts, "port", "NEO4J_LAUNCHER_PORT", "7687"));
        Path passwordFile = Path.of(option(opts, "password-file", "NEO4J_LAUNCHER_PASSWORD_FILE", null));
        int httpPort = Integer.parseInt(option(opts, "http-port", "NEO4J_LAUNCHER_HTTP_PORT", "0"));
        String markerFile = option(opts, "test-marker-file", "NEO4J_LAUNCHER_TEST_MARKER_FILE", "");
        String marker = null;
        if (!markerFile.isEmpty()) {
            try {
                marker = Files.readString(Path.of(markerFile), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                System.err.println(PREFIX + "cannot read test marker file " + markerFile + ": " + e);
                System.exit(2);
                return;
            }
            if (marker.isEmpty()) {
                System.err.println(PREFIX + "test marker file " + markerFile + " is empty");
                System.exit(2);
                return;
            }
        }

        String password;
        try {
            password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            System.err.println(PREFIX + "cannot read password file " + passwordFile + ": " + e);
            System.exit(2);
            return;
        }
        if (password.length() < 8) {
            // Neo4j's default dbms.security.auth_minimum_password_length is 8.
            System.err.println(PREFIX + "password in " + passwordFile + " is shorter than 8 characters");
            System.exit(2);
            return;
        }

        // Registered before the database starts so that a SIGTERM arriving
        // during startup still shuts down whatever was built.
        Runtime.getRuntime().addShutdownHook(new Thread(Launcher::shutdown, "neo4j-launcher-shutdown"));

        try {
            System.out.println(PREFIX + "starting Neo4j Community (data " + dataDir + ", logs " + logsDir + ")");
            var builder = new DatabaseManagementServiceBuilder(dataDir)
                    .setConfig(GraphDatabaseSettings.data_directory, dataDir)
                    .setConfig(GraphDatabaseSettings.logs_directory, logsDir)
                    .setConfig(GraphDatabaseSettings.auth_enabled, true)
                    .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(256))
                    .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofSeconds(60))
                    // Defaults suit production: 256 MiB transaction log files
                    // preallocated per database (~0.5 GiB on disk for an empty
                    // server) kept for 2 days. A dev/test server needs far less.
                    .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(32))
                    .setConfig(GraphDatabaseSettings.keep_logical_logs, "1 files")
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    // Bolt waits 5 s + 5 s by default for worker threads and
                    // connections on shutdown even when idle; a dev server
                    // that tests restart often does not need that.
                    .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                    .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                    .setConfig(HttpsConnector.enabled, false);
            if (httpPort > 0) {
                // Loopback only, like Bolt. The Browser talks to the database
                // over Bolt (WebSocket); HTTP serves the page, the discovery
                // document and the transactional endpoints (auth required).
                builder.setConfig(HttpConnector.enabled, true)
                        .setConfig(HttpConnector.listen_address, new SocketAddress("127.0.0.1", httpPort))
                        .setConfig(HttpConnector.advertised_address, new SocketAddress("127.0.0.1", httpPort))
                        .setConfig(ServerSettings.http_enabled_modules,
                                EnumSet.of(ConfigurableServerModules.BROWSER, ConfigurableServerModules.TRANSACTIONAL_ENDPOINTS));
            } else {
                builder.setConfig(HttpConnector.enabled, false);
            }
            managementService = builder.build();

            setPassword(managementService, password);

            // Touch the default database so a failure to open it shows up here,
            // not on the first client query.
            var db = managementService.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            db.executeTransactionally("RETURN 1");
            if (marker != null) {
                db.executeTransactionally(
                        "MERGE (m:AtlasgraphTestInstance) SET m.token = $token, m.createdAt = datetime()",
                        Map.of("token", marker));
                System.out.println(PREFIX + "marked as a test instance (node :AtlasgraphTestInstance)");
            }
        } catch (Throwable t) {
            System.err.println(PREFIX + "startup failed: " + t);
            t.printStackTrace();
            // System.exit runs the shutdown hook, which stops anything half-started.
            System.exit(1);
            return;
        }

        System.out.println(PREFIX + "ready bolt://127.0.0.1:" + port
                + (httpPort > 0 ? " browser http://127.0.0.1:" + httpPort + "/browser/" : "")
                + " (pid " + ProcessHandle.current().pid() + ")");
        System.out.flush();

        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Sets the password of user "neo4j" and clears the "change required" flag,
     * which Neo4j puts on the initial password. On a restart the password is
     * usually already the same, which Neo4j refuses as an error; that case is
     * fine and ignored.
     */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        var system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            System.out.println(PREFIX + "password of user neo4j set from password file");
        } catch (RuntimeException e) {
            if (!String.valueOf(rootMessage(e)).contains("cannot be the same")) {
                throw e;
            }
            // Same password as before: only make sure no change is required.
            system.executeTransactionally("ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED");
            System.out.println(PREFIX + "password of user neo4j already matches password file");
        }
    }

    private static void shutdown() {
        DatabaseManagementService dbms = managementService;
        if (dbms != null) {
            System.out.println(PREFIX + "shutting down");
            try {
                dbms.shutdown();
                System.out.println(PREFIX + "stopped");
            } catch (Throwable t) {
                System.err.println(PREFIX + "error during shutdown: " + t);
            }
            System.out.flush();
        }
        stopped.countDown();
    }

    private static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.toString();
    }

    private static Map<String, String> parseArgs(String[] args) {
        var out = new java.util.HashMap<String, String>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a);
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("missing value for " + a);
            }
            switch (key) {
                case "data-dir", "logs-dir", "port", "password-file", "http-port", "test-marker-file" -> out.put(key, value);
                default -> throw new IllegalArgumentException("unknown option --" + key);
            }
        }
        return out;
    }

    private static String option(Map<String, String> opts, String name, String env, String fallback) {
        String v = opts.get(name);
        if (v == null || v.isEmpty()) {
            v = System.getenv(env);
        }
        if (v == null || v.isEmpty()) {
            v = fallback;
        }
        if (v == null) {
            System.err.println(PREFIX + "missing --" + name + " (or " + env + ")");
            System.exit(2);
        }
        return v;
    }
}
