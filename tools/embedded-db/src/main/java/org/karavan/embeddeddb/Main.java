package org.karavan.embeddeddb;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.MongoDatabaseHandler;
import de.bwaldvogel.mongo.wire.MongoExceptionHandler;
import de.bwaldvogel.mongo.wire.MongoWireMessageEncoder;
import de.bwaldvogel.mongo.wire.MongoWireProtocolHandler;
import de.bwaldvogel.mongo.wire.MongoWireReplyEncoder;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import sun.misc.Signal;

/**
 * Karavan's embedded database: mongo-java-server (the MongoDB wire protocol) on H2's MVStore, or
 * in memory for the test suite.
 *
 * <p>It listens on a Unix domain socket only (no TCP port), inside a directory only this user can
 * open, prints one line {@code READY <mongodb-uri>} on stdout once it accepts connections, and
 * stops cleanly on SIGTERM or SIGINT, or when its standard input closes (so it never outlives the
 * Node process that started it). Exit codes: 0 stopped cleanly, 1 failure, 2 bad arguments, 3 the
 * data directory is in use by another running database.
 */
public final class Main {

    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_DIR_IN_USE = 3;

    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    /** Reported to clients: the MongoDB driver of Mongoose 9 refuses servers older than 4.4 (wire 9). */
    static final MongoVersion VERSION = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(6, 0, 0);
        }

        @Override
        public String toVersionString() {
            return "6.0.0";
        }

        @Override
        public int getWireVersion() {
            return 17;
        }
    };

    private static final PrintStream err = System.err;

    private Main() {
    }

    static final class Options {
        Path dir;
        boolean memory;
        Path socket;
        boolean watchStdin;
        int cacheMb = 128;
        /** How often documents past a TTL index's expireAfterSeconds are deleted. */
        long ttlIntervalMs = 5_000;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("karavan-embedded-db: " + e.getMessage());
            err.println("usage: karavan-embedded-db (--dir DIR | --memory) --socket PATH [--watch-stdin] [--cache-mb N] [--ttl-interval-ms N]");
            System.exit(EXIT_USAGE);
            return;
        }
        try {
            run(options);
        } catch (Throwable e) {
            err.println("karavan-embedded-db: " + e);
            System.exit(EXIT_FAILURE);
        }
    }

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--dir" -> o.dir = Path.of(value(args, ++i, arg)).toAbsolutePath().normalize();
                case "--memory" -> o.memory = true;
                case "--socket" -> o.socket = Path.of(value(args, ++i, arg)).toAbsolutePath().normalize();
                case "--watch-stdin" -> o.watchStdin = true;
                case "--cache-mb" -> {
                    try {
                        o.cacheMb = Integer.parseInt(value(args, ++i, arg));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--cache-mb needs a number of megabytes");
                    }
                }
                case "--ttl-interval-ms" -> {
                    try {
                        o.ttlIntervalMs = Long.parseLong(value(args, ++i, arg));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--ttl-interval-ms needs a number of milliseconds");
                    }
                    if (o.ttlIntervalMs < 100) throw new IllegalArgumentException("--ttl-interval-ms must be at least 100");
                }
                default -> throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        if ((o.dir == null) == !o.memory) {
            throw new IllegalArgumentException("give exactly one of --dir DIR and --memory");
        }
        if (o.socket == null) {
            if (o.dir == null) throw new IllegalArgumentException("--memory needs --socket PATH");
            o.socket = o.dir.resolve("mongod.sock");
        }
        return o;
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) throw new IllegalArgumentException(name + " needs a value");
        return args[i];
    }

    private static void run(Options o) throws Exception {
        // Only this user may open the data directory and the socket's directory.
        if (o.dir != null) ownerOnlyDirectory(o.dir);
        Path socketDir = o.socket.getParent();
        if (!socketDir.equals(o.dir)) {
            // Never change the mode of a directory we were merely pointed at: it must already be private.
            if (Files.notExists(socketDir)) {
                ownerOnlyDirectory(socketDir);
            } else if (!OWNER_ONLY_DIR.containsAll(Files.getPosixFilePermissions(socketDir))) {
                throw new IllegalStateException(
                    "the socket's directory " + socketDir + " must be accessible to its owner only (chmod 700)");
            }
        }

        // Two databases on one directory would corrupt it: hold an exclusive lock while this runs
        // (the kernel releases it when the process ends, also on kill -9).
        FileLock lock = null;
        if (o.dir != null) {
            Path lockFile = o.dir.resolve("karavan-db.lock");
            ownerOnlyFile(lockFile);
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
            lock = channel.tryLock();
            if (lock == null) {
                err.println("karavan-embedded-db: " + o.dir + " is in use by another running database");
                System.exit(EXIT_DIR_IN_USE);
                return;
            }
        }

        MVStore store = null;
        MongoBackend backend;
        if (o.memory) {
            backend = new Backends.Memory();
        } else {
            Path file = o.dir.resolve("karavan.mv.db");
            ownerOnlyFile(file);
            // No H2 background commits: they could store half of an operation (a document without
            // its index entries). GroupCommit commits between operations (Backends.COMMITS), each
            // second when idle, and rewrites old chunks there; replies wait for their changes to
            // be in the file.
            store = new MVStore.Builder().fileName(file.toString()).cacheSize(o.cacheMb).autoCommitDisabled().open();
            backend = new Backends.H2(store);
            // Indexes built while opening (a file from before they were stored) are stored now.
            long changes = Backends.CHANGES.get();
            store.commit();
            Backends.committedChanges = changes;
        }
        backend.version(VERSION);
        // TTL indexes: documents past their expireAfterSeconds go within this interval (MongoDB: 60 s).
        Indexing.startTtlMonitor(o.ttlIntervalMs);

        // A socket left by a database that was killed: the lock says nobody uses it any more.
        Files.deleteIfExists(o.socket);

        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
        ChannelGroup clients = new DefaultChannelGroup("karavan-db-clients", workers.next());
        GroupCommit commits = store == null ? null : new GroupCommit(store);
        Channel server = new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerDomainSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 128)
            .childHandler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new MongoWireReplyEncoder());
                    ch.pipeline().addLast(new MongoWireMessageEncoder());
                    CommitBeforeReply commitBeforeReply = commits == null ? null : new CommitBeforeReply(commits);
                    if (commitBeforeReply != null) ch.pipeline().addLast(commitBeforeReply);
                    ch.pipeline().addLast(new MongoWireProtocolHandler());
                    if (commitBeforeReply != null) ch.pipeline().addLast(commitBeforeReply.unjournaledRequests());
                    ch.pipeline().addLast(new MongoDatabaseHandler(backend, clients));
                    ch.pipeline().addLast(new MongoExceptionHandler());
                }
            })
            .bind(UnixDomainSocketAddress.of(o.socket))
            .syncUninterruptibly()
            .channel();
        Files.setPosixFilePermissions(o.socket, OWNER_ONLY_FILE);

        CountDownLatch stopRequested = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stopRequested.countDown());
        Signal.handle(new Signal("INT"), s -> stopRequested.countDown());
        if (o.watchStdin) {
            Thread watcher = new Thread(() -> {
                try (InputStream in = System.in) {
                    byte[] buffer = new byte[256];
                    while (in.read(buffer) >= 0) {
                        // the parent writes nothing; EOF means it is gone
                    }
                } catch (IOException ignored) {
                    // a broken stdin means the same as EOF
                }
                stopRequested.countDown();
            }, "karavan-db-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }

        // The driver takes the socket path, percent-encoded, as the host (a space is %20, not +).
        String host = URLEncoder.encode(o.socket.toString(), StandardCharsets.UTF_8).replace("+", "%20");
        System.out.println("READY mongodb://" + host + "/");
        System.out.flush();

        stopRequested.await();

        // Stop accepting, close the clients, then commit and close the store.
        server.close().syncUninterruptibly();
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (commits != null) commits.stop();
        Backends.COMMITS.writeLock().lock(); // a TTL sweep may still run: let it finish first
        if (store != null) {
            // Give back the space of old chunks: the file shrinks to about its live data
            // (measured: 198 MB after 20,000 updates of 100 documents in 10 s, 10 MB after, in 0.7 s).
            store.compactFile(5_000);
        }
        backend.close();
        Files.deleteIfExists(o.socket);
        if (lock != null) lock.release();
        System.exit(0);
    }

    private static void ownerOnlyDirectory(Path dir) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
    }

    private static void ownerOnlyFile(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        } catch (FileAlreadyExistsException e) {
            Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
        }
    }

    /**
     * Holds every reply back until the MVStore has written all changes made so far to its file, so
     * that every write acknowledged to a client survives a kill -9 of this process (the file is
     * not fsync'ed: a power cut may still lose the last seconds). One committer thread serves all
     * connections: the replies that queue while it writes are released together by its next
     * commit (group commit), which keeps the number of chunks written, and the file's growth,
     * down under load; an idle database commits at once.
     */
    static final class GroupCommit {
        /**
         * How often an idle store commits (a TTL sweep's deletes) and rewrites old chunks. Writers
         * wait while chunks are rewritten (4 MB held them 5 ms at the median, 39 at p90, 84 at most
         * after a burst of status updates). 400 kB every 100 ms held them 1.5 / 7 / 37 ms, but the
         * reads of {@code npm run bench:scale} right after its bulk load missed their p95 in two
         * runs of two (none of two with this): kept as it is (bench/README, sixth pass).
         */
        private static final long HOUSEKEEPING_MS = 1_000;
        /** Chunks below this fill rate are rewritten, at most {@link #REWRITE_BYTES} each time. */
        private static final int TARGET_FILL_RATE = 50;
        private static final int REWRITE_BYTES = 4 << 20;

        private final MVStore store;
        /** Replies waiting for a commit, each with the {@link Backends#CHANGES} its answer depends on. */
        private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

        private record Waiting(long mark, Runnable release) {}
        private final Thread committer;
        private boolean stopped;
        private long lastHousekeeping = System.currentTimeMillis();

        GroupCommit(MVStore store) {
            this.store = store;
            this.committer = new Thread(this::run, "karavan-db-commit");
            committer.setDaemon(true);
            committer.start();
        }

        /**
         * Runs {@code release} once the first {@code mark} changes are in the file: right after the
         * commit under way when that one covers them (a reply made while a commit runs is for an
         * operation that finished before it), else after the next.
         */
        void afterCommit(long mark, Runnable release) {
            synchronized (this) {
                if (Backends.committedChanges < mark) {
                    waiting.add(new Waiting(mark, release));
                    notifyAll();
                    return;
                }
            }
            release.run(); // committed between the caller's check and now
        }

        private void run() {
            List<Runnable> batch = new ArrayList<>();
            while (true) {
                boolean housekeeping;
                synchronized (this) {
                    long wait = HOUSEKEEPING_MS;
                    while (waiting.isEmpty() && !stopped && wait > 0) {
                        try {
                            wait(wait);
                        } catch (InterruptedException e) {
                            return;
                        }
                        wait = lastHousekeeping + HOUSEKEEPING_MS - System.currentTimeMillis();
                    }
                    if (waiting.isEmpty() && stopped) return;
                    housekeeping = System.currentTimeMillis() - lastHousekeeping >= HOUSEKEEPING_MS;
                }
                Backends.COMMITS.writeLock().lock();
                try {
                    long changes = Backends.CHANGES.get(); // no change is under way: all of them are committed below
                    store.commit();
                    synchronized (this) {
                        Backends.committedChanges = changes;
                        // Every reply this commit covers goes now, also those queued while it ran.
                        waiting.removeIf(w -> {
                            if (w.mark() > changes) return false;
                            batch.add(w.release());
                            return true;
                        });
                    }
                    // The replies go before the rewrite below: what they answer is in the file
                    // already (after a burst of writes, a rewrite took 20 to 60 ms each second).
                    for (Runnable release : batch) release.run();
                    batch.clear();
                    if (housekeeping) {
                        lastHousekeeping = System.currentTimeMillis();
                        // What H2's background thread did: rewrite mostly dead chunks so their space is reused.
                        store.compact(TARGET_FILL_RATE, REWRITE_BYTES);
                        store.commit();
                    }
                } catch (RuntimeException e) {
                    // Never acknowledge what could not be stored (a full disk, say): stop at once,
                    // with these replies unsent; the clients see their connections drop.
                    err.println("karavan-embedded-db: writing to the data file failed, stopping: " + e);
                    err.flush();
                    Runtime.getRuntime().halt(EXIT_FAILURE);
                } finally {
                    Backends.COMMITS.writeLock().unlock();
                }
            }
        }

        /** Releases what is waiting (after a last commit) and stops the committer thread. */
        void stop() throws InterruptedException {
            synchronized (this) {
                stopped = true;
                notifyAll();
            }
            committer.join(5_000);
        }
    }

    /**
     * The Netty side of {@link GroupCommit}: a reply is written and flushed once committed. A
     * write sent with {@code writeConcern: { j: false }} is answered at once, as MongoDB answers
     * it before its journal is flushed (the live events' seq counter: a seq lost in a crash was
     * never stored nor sent, and the events' own insert waits for the commit that covers it).
     */
    static final class CommitBeforeReply extends ChannelDuplexHandler {
        private final GroupCommit commits;
        /** Request ids of this connection's writes that asked for no journal wait. */
        private final Set<Integer> unjournaled = ConcurrentHashMap.newKeySet();

        CommitBeforeReply(GroupCommit commits) {
            this.commits = commits;
        }

        /** Notes the decoded requests with {@code writeConcern.j} false (placed after the decoder). */
        ChannelInboundHandlerAdapter unjournaledRequests() {
            return new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof MongoMessage m
                        && m.getDocument().get("writeConcern") instanceof Document concern
                        && Boolean.FALSE.equals(concern.get("j"))) {
                        unjournaled.add(m.getHeader().getRequestID());
                    }
                    ctx.fireChannelRead(msg);
                }
            };
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof MongoMessage reply && unjournaled.remove(reply.getHeader().getResponseTo())) {
                ctx.writeAndFlush(msg, promise);
                return;
            }
            // A read while nothing is left to commit (what it read is in the file): no wait, no
            // hand-over to the committer thread and back.
            // The changes the reply may depend on: its own, and any it read, all begun before now.
            long mark = Backends.CHANGES.get();
            if (Backends.committedChanges >= mark) {
                ctx.writeAndFlush(msg, promise);
            } else {
                commits.afterCommit(mark, () -> ctx.writeAndFlush(msg, promise));
            }
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // Every reply is flushed when it is released; an earlier flush would find nothing.
        }
    }
}
