/*
 * Test harness only: a real HDFS (one NameNode, one DataNode, in this JVM) for the integration tests
 * of the heron.aurora collection. Started and stopped by tests/harness/hdfs.py.
 *
 * Usage:
 *   java MiniHdfs --base-dir DIR --ready-file FILE --control FIFO [--rpc-port N] [--http-port N]
 *                 [--format true|false]
 *
 * With --format true (the default) the base directory is wiped and a new file system created; with
 * false the NameNode and DataNode start on the files an earlier run left in the base directory.
 * A port of 0 (the default) lets the operating system choose; the ports in use are written to the
 * ready file as JSON once the NameNode is out of safe mode and the DataNode is registered.
 * The control FIFO takes one command per line, "<id> <command>":
 *   stop-datanode    stop the DataNode and make the NameNode count it as dead at once
 *   start-datanode   start it again on the same ports and wait until it has reported its blocks
 * and the result is appended to "<FIFO>.results" as "<id> ok" or "<id> error <message>".
 * SIGTERM (or SIGINT) shuts the cluster down cleanly and exits with 0.
 */

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import sun.misc.Signal;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.protocol.DatanodeID;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.util.VersionInfo;

public final class MiniHdfs {

    private static final PrintStream OUT = System.out;

    private final MiniDFSCluster cluster;
    private MiniDFSCluster.DataNodeProperties stoppedDataNode;

    private MiniHdfs(MiniDFSCluster cluster) {
        this.cluster = cluster;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parseOptions(args);
        File baseDir = new File(required(options, "--base-dir")).getAbsoluteFile();
        Path readyFile = Paths.get(required(options, "--ready-file"));
        Path control = Paths.get(required(options, "--control"));
        int rpcPort = Integer.parseInt(options.getOrDefault("--rpc-port", "0"));
        int httpPort = Integer.parseInt(options.getOrDefault("--http-port", "0"));
        boolean format = Boolean.parseBoolean(options.getOrDefault("--format", "true"));

        long started = System.nanoTime();
        Files.deleteIfExists(readyFile);
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(configuration(), baseDir)
                .nameNodePort(rpcPort)
                .nameNodeHttpPort(httpPort)
                .numDataNodes(1)
                .storagesPerDatanode(1)
                .format(format)
                .waitSafeMode(true)
                .skipFsyncForTesting(true)
                .build();
        cluster.waitActive();
        MiniHdfs hdfs = new MiniHdfs(cluster);
        // Shut down from a signal handler rather than a JVM shutdown hook: Hadoop's services remove
        // their own shutdown hooks while stopping, which fails once the JVM is already shutting down.
        CountDownLatch stopRequested = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), signal -> stopRequested.countDown());
        Signal.handle(new Signal("INT"), signal -> stopRequested.countDown());

        writeReadyFile(readyFile, hdfs.readyJson());
        say(String.format("ready in %.1f s: %s", (System.nanoTime() - started) / 1e9, hdfs.readyJson()));

        Thread controller = new Thread(() -> hdfs.serveControl(control), "mini-hdfs-control");
        controller.setDaemon(true);
        controller.start();

        stopRequested.await();
        say("shutting down");
        cluster.shutdown(false);
        say("shut down");
        // halt, not exit: MiniDFSCluster marks its base directory for deletion when the JVM exits, and a
        // restart with --format false must find the files again. The cluster is already stopped.
        Runtime.getRuntime().halt(0);
    }

    private static Configuration configuration() {
        Configuration conf = new HdfsConfiguration();
        conf.setBoolean("dfs.webhdfs.enabled", true);
        conf.setBoolean("dfs.namenode.xattrs.enabled", true);
        conf.setBoolean("dfs.permissions.enabled", true);
        conf.setInt("dfs.replication", 1);
        // Heartbeat every second so that a restarted DataNode is back in service quickly.
        conf.setLong("dfs.heartbeat.interval", 1L);
        conf.setInt("dfs.namenode.heartbeat.recheck-interval", 1000);
        conf.setInt("dfs.namenode.safemode.extension", 0);
        // One small cluster on loopback: fewer handler threads keep the JVM small.
        conf.setInt("dfs.namenode.handler.count", 4);
        conf.setInt("dfs.namenode.service.handler.count", 2);
        conf.setInt("dfs.datanode.handler.count", 2);
        return conf;
    }

    private String readyJson() throws IOException {
        return "{"
                + "\"rpc_port\": " + cluster.getNameNodePort() + ", "
                + "\"http_port\": " + cluster.getNameNode().getHttpAddress().getPort() + ", "
                + "\"user\": \"" + jsonEscape(UserGroupInformation.getCurrentUser().getShortUserName()) + "\", "
                + "\"hadoop_version\": \"" + jsonEscape(VersionInfo.getVersion()) + "\", "
                + "\"pid\": " + ProcessHandle.current().pid()
                + "}";
    }

    // --- control channel -----------------------------------------------------------------------

    private void serveControl(Path control) {
        Path results = Paths.get(control.toString() + ".results");
        while (true) {
            // Opening a FIFO for reading blocks until a writer opens it; EOF means that writer is done.
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(Files.newInputStream(control), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (!line.isBlank()) {
                        appendResult(results, handle(line.trim()));
                    }
                }
            } catch (IOException e) {
                say("control channel failed: " + e);
                sleepQuietly(1000);
            }
        }
    }

    private String handle(String line) {
        String[] words = line.split("\\s+", 2);
        String id = words[0];
        String command = words.length > 1 ? words[1] : "";
        say("command " + id + ": " + command);
        try {
            switch (command) {
                case "stop-datanode":
                    stopDataNode();
                    break;
                case "start-datanode":
                    startDataNode();
                    break;
                default:
                    return id + " error unknown command '" + command + "'";
            }
            say("command " + id + " done");
            return id + " ok";
        } catch (Exception e) {
            say("command " + id + " failed: " + e);
            return id + " error " + String.valueOf(e).replace('\n', ' ');
        }
    }

    private synchronized void stopDataNode() throws IOException {
        if (stoppedDataNode != null) {
            return;
        }
        DatanodeID id = cluster.getDataNodes().get(0).getDatanodeId();
        stoppedDataNode = cluster.stopDataNode(0);
        // Without this the NameNode would keep counting the DataNode as live until its heartbeat expires.
        cluster.setDataNodeDead(id);
    }

    private synchronized void startDataNode() throws IOException {
        if (stoppedDataNode == null) {
            return;
        }
        if (!cluster.restartDataNode(stoppedDataNode, true)) {
            throw new IOException("the DataNode did not restart");
        }
        stoppedDataNode = null;
        cluster.waitActive();
        cluster.triggerHeartbeats();
    }

    // --- helpers -------------------------------------------------------------------------------

    private static void appendResult(Path results, String line) throws IOException {
        Files.write(results, (line + "\n").getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    private static void writeReadyFile(Path readyFile, String json) throws IOException {
        Path partial = Paths.get(readyFile.toString() + ".partial");
        Files.write(partial, (json + "\n").getBytes(StandardCharsets.UTF_8));
        Files.move(partial, readyFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Map<String, String> parseOptions(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("unexpected argument " + args[i]);
            }
            options.put(args[i], args[++i]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            usage("missing " + name);
        }
        return value;
    }

    private static void usage(String problem) {
        System.err.println("MiniHdfs: " + problem);
        System.err.println("usage: MiniHdfs --base-dir DIR --ready-file FILE --control FIFO"
                + " [--rpc-port N] [--http-port N] [--format true|false]");
        System.exit(2);
    }

    private static String jsonEscape(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void say(String message) {
        OUT.println("[mini-hdfs] " + message);
        OUT.flush();
    }
}
