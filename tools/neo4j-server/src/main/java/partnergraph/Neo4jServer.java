package partnergraph;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Neo4j Community with Bolt on 127.0.0.1, data in one folder, for partnergraph to start and stop.
 *
 * <p>Arguments: HOME PORT PASSWORD_FILE TX_TIMEOUT_MS PAGECACHE_MB. The password is read from a
 * file (never the command line). On the first start the password is set with Bolt closed, so no
 * client ever sees the default neo4j/neo4j account. SIGTERM shuts the database down cleanly.
 */
public final class Neo4jServer {
  private static final String PASSWORD_SET = ".password-set";

  private Neo4jServer() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: Neo4jServer HOME PORT PASSWORD_FILE TX_TIMEOUT_MS PAGECACHE_MB");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    int port = Integer.parseInt(args[1]);
    String password = Files.readString(Path.of(args[2]), StandardCharsets.UTF_8).strip();
    long txTimeoutMs = Long.parseLong(args[3]);
    long pagecacheMb = Long.parseLong(args[4]);
    Files.createDirectories(home);

    if (!Files.exists(home.resolve(PASSWORD_SET))) {
      setInitialPassword(home, password, pagecacheMb);
    }
    DatabaseManagementService service = builder(home, pagecacheMb)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        // The routing table (neo4j:// URIs) hands out this address: it must be the loopback one.
        .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
        .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMillis(txTimeoutMs))
        // The default 2 s check lets a 3 s limit run for 5 s; 100 ms keeps limits within 10%.
        .setConfig(GraphDatabaseSettings.transaction_monitor_check_interval, Duration.ofMillis(100))
        .build();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      service.shutdown();
      stopped.countDown();
    }, "partnergraph-shutdown"));
    System.out.println("partnergraph neo4j ready on 127.0.0.1:" + port);
    System.out.flush();
    stopped.await();
  }

  private static DatabaseManagementServiceBuilder builder(Path home, long pagecacheMb) {
    return new DatabaseManagementServiceBuilder(home)
        .setConfig(GraphDatabaseSettings.auth_enabled, true)
        // LOAD CSV may not read the machine's files.
        .setConfig(GraphDatabaseSettings.allow_file_urls, false)
        .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMb))
        // Bolt's thread pools otherwise idle for 5 s each after the databases have stopped.
        .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
        .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1));
  }

  private static void setInitialPassword(Path home, String password, long pagecacheMb) throws IOException {
    DatabaseManagementService service = builder(home, pagecacheMb)
        .setConfig(BoltConnector.enabled, false)
        .build();
    try {
      service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
          "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
    } finally {
      service.shutdown();
    }
    Files.writeString(home.resolve(PASSWORD_SET), "", StandardCharsets.UTF_8);
  }
}
