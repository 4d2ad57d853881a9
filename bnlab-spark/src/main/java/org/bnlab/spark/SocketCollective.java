package org.bnlab.spark;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.apache.spark.BarrierTaskContext;
import org.bnlab.dist.CollectiveException;

/**
 * {@link org.bnlab.dist.Collective} over TCP between the tasks of one barrier stage, with Spark's barrier used only for
 * the rendezvous: replica 0 listens on its executor's address and all-gathers it once through
 * {@link BarrierTaskContext#allGather}; the others connect and say their rank. Spark schedules the tasks
 * (all at once, rank = partition id) and fails and retries the stage; the data of every step goes over
 * these sockets instead of through the driver, whose barrier RPC polls for completion once a second
 * (BarrierTaskContext.runBarrier: {@code Thread.sleep(1000)} until the reply), so that each all-gather
 * there costs about a second (docs/SCALE.md). This is how Horovod and TorchDistributor on Spark work.
 *
 * <p>One all-gather: every replica r > 0 sends its values to replica 0 (raw IEEE bits, exact); replica 0
 * places them in rank order and sends the gathered array back to each. A peer that closes its socket (its
 * task failed or was killed) or sends nothing for {@link #TIMEOUT_MINUTES} minutes fails the call with a
 * {@link CollectiveException} naming it.
 */
final class SocketCollective implements MeasuredCollective {
    static final int TIMEOUT_MINUTES = 10;

    private final int rank;
    private final int size;
    private final ServerSocket server;
    /** Replica 0: the connection to each replica r (index r, null at 0); others: index 0, the hub. */
    private final Socket[] sockets;
    private final DataInputStream[] in;
    private final DataOutputStream[] out;
    private byte[] buffer = new byte[0];
    private long nanos;
    private long calls;

    private SocketCollective(int rank, int size, ServerSocket server) {
        this.rank = rank;
        this.size = size;
        this.server = server;
        this.sockets = new Socket[size];
        this.in = new DataInputStream[size];
        this.out = new DataOutputStream[size];
    }

    /** Connects the tasks of the barrier stage of {@code context}; every task must call it once, first. */
    static SocketCollective connect(BarrierTaskContext context) throws IOException {
        int rank = context.partitionId();
        int size = context.getTaskInfos().length;
        int timeout = (int) TimeUnit.MINUTES.toMillis(TIMEOUT_MINUTES);
        ServerSocket server = null;
        String me = "";
        if (rank == 0) {
            String executor = context.getTaskInfos()[0].address(); // host:port of the executor
            String host = executor.substring(0, executor.lastIndexOf(':'));
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), size);
            server.setSoTimeout(timeout);
            me = host + " " + server.getLocalPort();
        }
        SocketCollective c = new SocketCollective(rank, size, server);
        try {
            String[] hub = context.allGather(me)[0].split(" ");
            if (rank == 0) {
                for (int k = 1; k < size; k++) {
                    Socket s = server.accept();
                    c.attach(s, timeout, -1);
                }
            } else {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(hub[0], Integer.parseInt(hub[1])), timeout);
                c.attach(s, timeout, 0);
                c.out[0].writeInt(rank);
                c.out[0].flush();
            }
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Registers socket {@code s} as the link to {@code peer}, or (peer -1, on replica 0) to the rank it sends first. */
    private void attach(Socket s, int timeout, int peer) throws IOException {
        s.setSoTimeout(timeout);
        s.setTcpNoDelay(true);
        DataInputStream i = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
        DataOutputStream o = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
        int r = peer >= 0 ? peer : i.readInt();
        if (r < 0 || r >= size || sockets[r] != null) {
            s.close();
            throw new IOException("replica 0 was contacted by a peer claiming rank " + r);
        }
        sockets[r] = s;
        in[r] = i;
        out[r] = o;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allGather(int rank, double[] send, double[] recv) {
        if (rank != this.rank) {
            throw new IllegalArgumentException("SocketCollective: called as rank " + rank + " from the task of partition " + this.rank);
        }
        int n = send.length;
        if (recv.length != (long) size * n) {
            throw new IllegalArgumentException("SocketCollective: recv must hold " + size + " * " + n + " values, got " + recv.length);
        }
        long t0 = System.nanoTime();
        int peer = 0;
        try {
            if (rank == 0) {
                System.arraycopy(send, 0, recv, 0, n);
                for (peer = 1; peer < size; peer++) {
                    int len = in[peer].readInt();
                    if (len != n) {
                        throw new CollectiveException("replica " + peer + " contributed " + len + " values, replica 0 " + n
                                + " (every replica must make the same collective calls)", null);
                    }
                    read(in[peer], recv, peer * n, n);
                }
                for (peer = 1; peer < size; peer++) {
                    write(out[peer], recv, 0, recv.length);
                }
            } else {
                out[0].writeInt(n);
                write(out[0], send, 0, n);
                read(in[0], recv, 0, recv.length);
            }
        } catch (IOException e) {
            throw new CollectiveException("replica " + rank + " of " + size + ": all-gather with replica " + peer + " failed: " + e, e);
        }
        nanos += System.nanoTime() - t0;
        calls++;
    }

    private void write(DataOutputStream o, double[] v, int offset, int n) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buffer(n));
        b.asDoubleBuffer().put(v, offset, n); // raw IEEE bits
        o.write(buffer, 0, n * Double.BYTES);
        o.flush();
    }

    private void read(DataInputStream i, double[] v, int offset, int n) throws IOException {
        i.readFully(buffer(n), 0, n * Double.BYTES);
        ByteBuffer.wrap(buffer).asDoubleBuffer().get(v, offset, n);
    }

    private byte[] buffer(int doubles) {
        if (buffer.length < doubles * Double.BYTES) {
            buffer = new byte[doubles * Double.BYTES];
        }
        return buffer;
    }

    @Override
    public long nanos() {
        return nanos;
    }

    @Override
    public long calls() {
        return calls;
    }

    @Override
    public void close() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        closeQuietly(server);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // closing after a failure: the failure is what gets reported
            }
        }
    }
}
