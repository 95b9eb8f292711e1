package dev.shiplog.testnode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One real OpenSearch node (the server jar of Maven Central, with the netty4 HTTP transport, the
 * common analyzers and painless scripting as classpath plugins) for shiplog's tests and for trying shiplog locally.
 *
 * <p>Embedding the node skips the distribution's bootstrap, which refuses to run as root and
 * enforces production checks (memory lock, file descriptors, vm.max_map_count) that a test machine
 * does not meet. The engine itself — mappings, templates, _bulk, _search — is the real one.
 *
 * <p>Usage: {@code OpenSearchTestNode STATE_DIR}. The node listens on 127.0.0.1 on a free port
 * (HTTP and transport), keeps its data under {@code STATE_DIR/data} (so a restart on the same
 * directory finds its indices again), and once the HTTP transport is bound writes its base URL to
 * {@code STATE_DIR/url} (atomically). It runs until the process is terminated.
 */
public final class OpenSearchTestNode {
    private OpenSearchTestNode() {}

    /** A node with classpath plugins: the constructor that takes them is protected in Node. */
    private static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment environment, List<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: OpenSearchTestNode STATE_DIR");
            System.exit(2);
        }
        Path state = Path.of(args[0]).toAbsolutePath();
        Files.createDirectories(state.resolve("data"));
        Files.createDirectories(state.resolve("logs"));
        Files.createDirectories(state.resolve("config"));

        Settings settings = Settings.builder()
                .put("cluster.name", "shiplog-test")
                .put("node.name", "shiplog-test")
                .put("path.home", state.toString())
                .put("path.data", state.resolve("data").toString())
                .put("path.logs", state.resolve("logs").toString())
                .put("network.host", "127.0.0.1")
                .put("http.port", "0")
                .put("transport.port", "0")
                .put("discovery.type", "single-node")
                // A shared test machine's disk can be fuller than the production watermarks allow.
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .build();
        LogConfigurator.configureWithoutConfig(settings);

        Environment environment = InternalSettingsPreparer.prepareEnvironment(
                settings, Map.of(), state.resolve("config"), () -> "shiplog-test");
        Node node = new EmbeddedNode(environment,
                List.of(Netty4Plugin.class, CommonAnalysisPlugin.class, PainlessPlugin.class));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (IOException e) {
                System.err.println("closing the node failed: " + e);
            } finally {
                stopped.countDown();
            }
        }, "shiplog-test-node-shutdown"));
        node.start();

        InetSocketAddress bound = node.injector().getInstance(HttpServerTransport.class)
                .boundAddress().publishAddress().address();
        String url = "http://127.0.0.1:" + bound.getPort();
        Path tmp = state.resolve("url.tmp");
        Files.writeString(tmp, url + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, state.resolve("url"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        System.out.println("shiplog-test OpenSearch node listening on " + url);
        stopped.await();
    }
}
