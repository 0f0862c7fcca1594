/*
 * MiniHdfs.java — a real HDFS for hdcopy's integration tests: Hadoop 3.4.2's MiniDFSCluster with 3 DataNodes,
 * WebHDFS on 127.0.0.1, permissions on, tiny blocks allowed, fast stale/dead DataNode detection.
 *
 * Usage: java -cp 'LIB/*:.' MiniHdfs BASEDIR [LIFETIME_SECONDS]
 * Prints one line when the cluster is up, with every port chosen free by the kernel:
 *   READY nn_http=PORT nn_rpc=PORT user=SUPERUSER dn=HTTPPORT/XFERPORT,HTTPPORT/XFERPORT,...
 * then serves one command per line on stdin, answering one line "OK ..." or "ERR message":
 *   put LOCAL HDFSPATH [BLOCKSIZE [OWNER[:GROUP] [MODE]]]   write a local file (replication 3)
 *   mkdir PATH [OWNER[:GROUP] [MODE]]                        mkdir -p, then chown/chmod
 *   chmod MODE PATH · chown OWNER[:GROUP] PATH · rm PATH      (rm is recursive)
 *   datanodes                                                HTTPPORT/XFERPORT per live DataNode, in index order
 *   stop-datanode-http HTTPPORT · stop-datanode INDEX        stop one DataNode (its replicas stay elsewhere)
 *   exit                                                     shut down
 * EOF on stdin shuts the cluster down too, and a watchdog ends the JVM after LIFETIME_SECONDS (default 600) so a
 * forgotten cluster never outlives its test run. Everything binds 127.0.0.1.
 */
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.server.datanode.DataNode;
import org.apache.hadoop.security.UserGroupInformation;

public class MiniHdfs {
	static MiniDFSCluster cluster;

	public static void main(String[] args) throws Exception {
		if (args.length < 1) {
			System.err.println("usage: MiniHdfs BASEDIR [LIFETIME_SECONDS]");
			System.exit(2);
		}
		final long lifetime = args.length > 1 ? Long.parseLong(args[1]) : 600;
		Thread watchdog = new Thread(() -> {
			try {
				Thread.sleep(lifetime * 1000);
			} catch (InterruptedException e) {
				return;
			}
			System.err.println("MiniHdfs: lifetime of " + lifetime + " s is over: exiting");
			Runtime.getRuntime().halt(3);
		});
		watchdog.setDaemon(true);
		watchdog.start();

		Configuration conf = new Configuration();
		conf.set("hdfs.minidfs.basedir", args[0]);
		conf.setBoolean("dfs.permissions.enabled", true);
		conf.setLong("dfs.namenode.fs-limits.min-block-size", 0);
		conf.setLong("dfs.blocksize", 1048576);
		conf.setBoolean("dfs.webhdfs.enabled", true);
		/* detect a stopped DataNode quickly (HDFS-NOTES.md) */
		conf.setBoolean("dfs.namenode.avoid.read.stale.datanode", true);
		conf.setLong("dfs.namenode.stale.datanode.interval", 3000);
		conf.setInt("dfs.namenode.heartbeat.recheck-interval", 2000);
		conf.setLong("dfs.heartbeat.interval", 1);
		conf.set("dfs.namenode.http-address", "127.0.0.1:0");
		conf.set("dfs.datanode.address", "127.0.0.1:0");
		conf.set("dfs.datanode.http.address", "127.0.0.1:0");
		conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");

		cluster = new MiniDFSCluster.Builder(conf).nameNodePort(0).nameNodeHttpPort(0).numDataNodes(3)
		    .format(true).build();
		cluster.waitActive();
		String user = UserGroupInformation.getCurrentUser().getShortUserName();
		System.out.println("READY nn_http=" + cluster.getNameNode().getHttpAddress().getPort() + " nn_rpc=" +
		    cluster.getNameNodePort() + " user=" + user + " dn=" + datanodes());
		System.out.flush();

		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String line;
		while ((line = in.readLine()) != null) {
			line = line.trim();
			if (line.isEmpty())
				continue;
			if (line.equals("exit"))
				break;
			String answer;
			try {
				answer = "OK " + command(line.split("\\s+"));
			} catch (Exception e) {
				answer = "ERR " + e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replace('\n', ' ');
			}
			System.out.println(answer);
			System.out.flush();
		}
		cluster.shutdown();
		System.exit(0);
	}

	static String datanodes() {
		List<String> out = new ArrayList<>();
		for (DataNode dn : cluster.getDataNodes())
			out.add(dn.getInfoPort() + "/" + dn.getXferPort());
		return String.join(",", out);
	}

	static void ownAndMode(FileSystem fs, Path p, String[] a, int i) throws Exception {
		if (a.length > i && !a[i].equals("-")) {
			String[] og = a[i].split(":", 2);
			fs.setOwner(p, og[0], og.length > 1 ? og[1] : null);
		}
		if (a.length > i + 1)
			fs.setPermission(p, new FsPermission(Short.parseShort(a[i + 1], 8)));
	}

	static String command(String[] a) throws Exception {
		FileSystem fs = cluster.getFileSystem();
		switch (a[0]) {
		case "put": {
			Path p = new Path(a[2]);
			long bs = a.length > 3 ? Long.parseLong(a[3]) : 1048576;
			try (InputStream src = Files.newInputStream(Paths.get(a[1]));
			     OutputStream dst = fs.create(p, true, 65536, (short) 3, bs)) {
				src.transferTo(dst);
			}
			ownAndMode(fs, p, a, 4);
			return a[2];
		}
		case "mkdir": {
			Path p = new Path(a[1]);
			fs.mkdirs(p);
			ownAndMode(fs, p, a, 2);
			return a[1];
		}
		case "chmod":
			fs.setPermission(new Path(a[2]), new FsPermission(Short.parseShort(a[1], 8)));
			return a[2];
		case "chown": {
			String[] og = a[1].split(":", 2);
			fs.setOwner(new Path(a[2]), og[0], og.length > 1 ? og[1] : null);
			return a[2];
		}
		case "rm":
			fs.delete(new Path(a[1]), true);
			return a[1];
		case "datanodes":
			return datanodes();
		case "stop-datanode": {
			int i = Integer.parseInt(a[1]);
			DataNode dn = cluster.getDataNodes().get(i);
			String what = dn.getInfoPort() + "/" + dn.getXferPort();
			cluster.stopDataNode(i);
			return what;
		}
		case "stop-datanode-http": {
			int port = Integer.parseInt(a[1]);
			List<DataNode> dns = cluster.getDataNodes();
			for (int i = 0; i < dns.size(); i++) {
				if (dns.get(i).getInfoPort() == port) {
					String what = dns.get(i).getInfoPort() + "/" + dns.get(i).getXferPort();
					cluster.stopDataNode(i);
					return what;
				}
			}
			throw new IllegalArgumentException("no live DataNode has HTTP port " + port);
		}
		default:
			throw new IllegalArgumentException("unknown command '" + a[0] + "'");
		}
	}
}
