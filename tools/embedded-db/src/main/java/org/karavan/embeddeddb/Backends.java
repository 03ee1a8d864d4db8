package org.karavan.embeddeddb;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.DataType;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.DatabaseResolver;
import de.bwaldvogel.mongo.backend.DocumentWithPosition;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.IndexBuildFailedException;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.oplog.Oplog;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

/**
 * mongo-java-server's H2 and memory backends, with these changes to their databases and collections.
 *
 * <p>Snapshots: mongo-java-server updates a stored document in place and replies with the stored
 * object itself, encoded after the collection's lock is released, so a reply could show a later
 * update or half of one (measured: 50 concurrent guarded {@code findOneAndUpdate} returned values
 * 5, 5, 6, 6, 6 where 5 to 9 were right). Here every document a query returns is copied under the
 * lock; updates change the copy, which is then stored in place of the original, so a document that
 * left the lock never changes.
 *
 * <p>Unique indexes: mongo-java-server uses an index only when a filter names exactly its fields:
 * {@code {_id: x}} is a lookup, but the guarded update {@code {_id: x, onHand: {$gte: 3}}} and
 * the scoped read {@code {_id: x, driver: me}} read the whole collection. Here a unique index
 * whose fields the filter names finds the (at most one, or one per {@code $in} value) candidate,
 * and the whole filter is then matched on it as before: the same results without the scan.
 *
 * <p>Secondary (non-unique) indexes: the library ignores them; here they are {@link SecondaryIndex}es,
 * stored in the same MVStore as the documents (in memory for the memory backend), checked when the
 * database opens and built again from the documents (one pass per collection) only when the check
 * fails, and read by {@link QueryPlanner}. {@link Indexing} does the database's side: createIndexes and
 * dropIndexes answered as MongoDB does, aggregations starting with an indexed {@code $match}, TTL.
 */
final class Backends {

    private Backends() {
    }

    /** The positions of the candidates for {@code query} from a unique index, or null to scan. */
    static <P> Iterable<P> candidates(List<Index<P>> indexes, Document query) {
        if (query.size() < 2) return null; // exactly the index's fields: the library already does it
        for (Index<P> index : indexes) {
            if (!index.isUnique()) continue;
            List<IndexKey> keys = index.getKeys();
            if (keys.size() >= query.size()) continue;
            Document lookup = new Document();
            for (IndexKey key : keys) {
                if (!query.containsKey(key.getKey())) break;
                lookup.put(key.getKey(), query.get(key.getKey()));
            }
            if (lookup.size() == keys.size() && index.canHandle(lookup)) {
                Explain.usedIndex(index.getName());
                return index.getPositions(lookup);
            }
        }
        return null;
    }

    /**
     * Copies of a query's result (after filter, sort, skip and limit), made under the collection's
     * lock: what leaves the lock is never changed afterwards.
     */
    static List<Document> snapshots(List<Document> documents) {
        List<Document> out = documents;
        if (READ_ONLY_USE.get() == null) {
            boolean changing = CHANGING.get() != null;
            out = new ArrayList<>(documents.size());
            for (Document document : documents) out.add(changing ? new Document(document) : document.cloneDeeply());
        }
        Exclusion exclusion = EXCLUDING.get();
        return exclusion == null ? out : exclusion.apply(out);
    }

    /**
     * Set while an update or findAndModify finds the documents it changes: each gets a copy of its
     * top level only, which the library changes and stores. That is enough because the library
     * changes nothing below the top level of what its query handed it: it makes its own deep
     * copies (the document as it was, for the indexes, and the document as it becomes, where the
     * update's operators apply), then replaces the copy's top-level fields with the new ones. A
     * deep copy here was a third copy of the whole document (a shipment with its history) per
     * update: 40 % of the deep copies in a JFR profile of status updates (bench/README, tenth pass).
     */
    static final ThreadLocal<Boolean> CHANGING = new ThreadLocal<>();

    /** Runs an update or findAndModify with {@link #CHANGING} set. */
    static <T> T changing(java.util.function.Supplier<T> run) {
        if (CHANGING.get() != null) return run.get();
        CHANGING.set(Boolean.TRUE);
        try {
            return run.get();
        } finally {
            CHANGING.remove();
        }
    }

    /**
     * Set while a find whose projection only leaves fields out runs: the result's documents are
     * then copied by {@link Exclusion} (only what it leaves out) instead of by the library's
     * projection, which copies each document whole.
     */
    static final ThreadLocal<Exclusion> EXCLUDING = new ThreadLocal<>();

    /** Runs a query with {@code fieldSelector} applied by {@link Exclusion} when it can, else as given. */
    static QueryResult projecting(Document fieldSelector,
                                  java.util.function.Function<Document, QueryResult> query) {
        Exclusion exclusion = Exclusion.of(fieldSelector);
        if (exclusion == null) return query.apply(fieldSelector);
        EXCLUDING.set(exclusion);
        try {
            return query.apply(null);
        } finally {
            EXCLUDING.remove();
        }
    }

    /**
     * Set while an aggregation whose stages only read their input documents (Indexing.aggregate)
     * queries: the stored documents are then handed out without a copy. Stored documents are never
     * changed in place (an update stores a changed copy), so only a stage that changed its input
     * could need one.
     */
    static final ThreadLocal<Boolean> READ_ONLY_USE = new ThreadLocal<>();

    /**
     * Commands that only hand documents out (to be encoded into the reply, or kept by a cursor for
     * the next batch): the stored documents themselves, without a copy. That is safe because a
     * stored document is never changed in place: an update or findAndModify changes the copy its
     * own query got (its query runs without {@link #READ_ONLY_USE}) and stores that copy instead.
     */
    private static final Set<String> HANDS_OUT = Set.of("find", "getmore");

    static Document readingStored(String command, java.util.function.Supplier<Document> run) {
        if (!HANDS_OUT.contains(command.toLowerCase(Locale.ROOT)) || READ_ONLY_USE.get() != null) return run.get();
        READ_ONLY_USE.set(Boolean.TRUE);
        try {
            return run.get();
        } finally {
            READ_ONLY_USE.remove();
        }
    }

    /** The position of the document in the collection's _id index (asked before it is removed). */
    static <P> P idPosition(List<Index<P>> indexes, Document document) {
        for (Index<P> index : indexes) {
            if (index.isUnique() && index.getKeys().size() == 1 && index.getKeys().get(0).getKey().equals("_id")) {
                return index.getPosition(document);
            }
        }
        return null;
    }

    /** A collection whose queries the planner serves. */
    interface Planned {
        /** True when an index narrows this filter (so that an aggregation's $match may use it). */
        boolean hasPlan(Document query);

        /** How many documents match, read from one index alone, or -1 (see QueryPlanner.exactCount). */
        int exactCount(Document query);
    }

    /**
     * Every operation on the H2 store holds the read lock; the store commits (and rewrites old
     * chunks) only under the write lock, between operations. A commit then never holds half of an
     * operation (a document without its index entries, say), so the file's last commit is always
     * consistent, also after a kill -9. (H2's own background commits are disabled: Main.)
     */
    static final ReentrantReadWriteLock COMMITS = new ReentrantReadWriteLock();

    /**
     * Takes {@link #COMMITS}' read lock, waiting only while a commit runs, never behind a commit
     * that waits (tryLock barges): an operation may hold a collection's lock while it asks, and a
     * waiting commit holds nothing, so nothing can wait in a circle. A commit waits for a moment
     * between operations instead; as replies wait for it, such a moment comes.
     */
    static void beginChange() {
        while (!COMMITS.readLock().tryLock()) LockSupport.parkNanos(20_000);
        CHANGES.incrementAndGet();
    }

    /** How many changes have begun; read by a commit under the write lock (when none is under way). */
    static final AtomicLong CHANGES = new AtomicLong();
    /** The value of {@link #CHANGES} that the last finished commit covers. */
    static volatile long committedChanges;

    static void endChange() {
        COMMITS.readLock().unlock();
    }

    /** Commands whose collection applies {@link #beginChange} to each document it changes. */
    private static final Set<String> PER_DOCUMENT = Set.of("insert", "update", "delete", "findandmodify");

    /**
     * Commands that never change the store: they need not hold {@link #COMMITS}, so that a long
     * read never holds up a commit (and with it every reply). A database they name that does not
     * exist yet is opened empty, which writes nothing either.
     */
    private static final Set<String> READ_ONLY = Set.of("find", "getmore", "count", "distinct", "listcollections",
        "listindexes", "listdatabases", "hello", "ismaster", "ping", "buildinfo", "killcursors", "endsessions",
        "dbstats", "collstats", "serverstatus", "getparameter", "getlog", "getcmdlineopts", "connectionstatus",
        "whatsmyuri", "hostinfo", "getlasterror", "getfreemonitoringstatus");

    static boolean readOnly(String command, Document query) {
        String name = command.toLowerCase(Locale.ROOT);
        if (READ_ONLY.contains(name)) return true;
        if (!name.equals("aggregate") || !(query.get("pipeline") instanceof List<?> pipeline)) return false;
        for (Object stage : pipeline) {
            if (!(stage instanceof Document d) || d.containsKey("$out") || d.containsKey("$merge")) return false;
        }
        return true;
    }

    /** Collections opened while their database opens: their secondary indexes are built once it is open. */
    private static final ThreadLocal<List<Runnable>> OPENING = new ThreadLocal<>();

    /** The secondary-index state both backends' collections keep (their superclasses differ). */
    static final class Upkeep<P> {
        final List<SecondaryIndex<P>> pending = new ArrayList<>();
        boolean deferring;
        P removing;

        Upkeep(Runnable buildPending) {
            List<Runnable> opening = OPENING.get();
            if (opening != null) {
                deferring = true;
                opening.add(buildPending);
            }
        }

        /** After the library added {@code index}: build it now, or with the others once the database is open. */
        void added(Index<P> index, List<Index<P>> indexes, Iterable<DocumentWithPosition<P>> all, MongoCollection<P> collection) {
            if (!(index instanceof SecondaryIndex<P> secondary) || secondary.isBuilt() || !indexes.contains(secondary)) return;
            if (deferring) {
                pending.add(secondary);
            } else {
                build(List.of(secondary), all, indexes, collection);
            }
        }

        /**
         * Once the database is open: each index whose stored entries check out is used as it is;
         * the others are built again, together, in one pass over the documents.
         */
        void buildPending(List<Index<P>> indexes, Iterable<DocumentWithPosition<P>> all, MongoCollection<P> collection) {
            deferring = false;
            List<SecondaryIndex<P>> toBuild = new ArrayList<>();
            for (SecondaryIndex<P> index : pending) {
                if (!index.adoptStored()) toBuild.add(index);
            }
            pending.clear();
            if (!toBuild.isEmpty()) {
                System.err.println("karavan-embedded-db: building " + toBuild.size() + " index(es) of " + collection.getFullName()
                    + " " + toBuild.stream().map(Index::getName).toList());
            }
            build(toBuild, all, indexes, collection);
        }

        private static <P> void build(List<SecondaryIndex<P>> toBuild, Iterable<DocumentWithPosition<P>> all,
                                      List<Index<P>> indexes, MongoCollection<P> collection) {
            if (toBuild.isEmpty()) return;
            for (SecondaryIndex<P> index : toBuild) index.clearForBuild();
            try {
                for (DocumentWithPosition<P> d : all) {
                    for (SecondaryIndex<P> index : toBuild) index.insert(d.getDocument(), d.getPosition());
                }
            } catch (MongoServerError e) {
                indexes.removeAll(toBuild);
                for (SecondaryIndex<P> index : toBuild) index.drop();
                throw new IndexBuildFailedException(e, collection);
            }
            for (SecondaryIndex<P> index : toBuild) index.markBuilt();
        }
    }

    /** One query, planned: a unique index's candidates, the library's own lookup, a secondary index's, or null to scan. */
    static <P> Iterable<P> plan(List<Index<P>> indexes, Document query, Document orderBy, int skip, int limit,
                                java.util.function.Function<P, Document> fetch,
                                java.util.function.BiPredicate<Document, Document> matches) {
        Iterable<P> positions = candidates(indexes, query);
        if (positions != null) return positions;
        for (Index<P> index : indexes) {
            if (index.canHandle(query)) { // the library's exact lookup (super.queryDocuments)
                Explain.usedIndex(index.getName());
                return null;
            }
        }
        return QueryPlanner.candidates(indexes, query, orderBy, skip, limit, fetch, matches);
    }

    static <P> boolean hasPlan(List<Index<P>> indexes, Document query) {
        if (candidates(indexes, query) != null) return true;
        for (Index<P> index : indexes) if (index.canHandle(query)) return true;
        return QueryPlanner.narrows(indexes, query);
    }

    // ----- H2 -----

    private static final Field H2_STORE;

    static {
        try {
            H2_STORE = H2Database.class.getDeclaredField("mvStore");
            H2_STORE.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** H2's MVStore, as in {@link H2Backend}, with the databases and collections below. */
    static final class H2 extends H2Backend {
        H2(MVStore store) {
            super(store);
        }

        @Override
        public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
            if (readOnly(command, query) || perDocument(databaseName, command, query)) {
                return super.handleCommand(channel, databaseName, command, query);
            }
            beginChange();
            try {
                return super.handleCommand(channel, databaseName, command, query);
            } finally {
                endChange();
            }
        }

        /** An insert, update, delete or findAndModify on a collection that exists (creating one is a change of its own). */
        private boolean perDocument(String databaseName, String command, Document query) {
            String name = command.toLowerCase(Locale.ROOT);
            if (!PER_DOCUMENT.contains(name) || databaseName.equals("admin")) return false;
            if (!(query.get(command) instanceof String collectionName)) return false;
            return resolveDatabase(databaseName) instanceof IndexedH2Database database && database.collection(collectionName) != null;
        }

        /** Opening (or creating) a database writes to the store, also under a read-only command. */
        @Override
        protected MongoDatabase openOrCreateDatabase(String databaseName) {
            beginChange();
            try {
                List<Runnable> opened = new ArrayList<>();
                OPENING.set(opened);
                IndexedH2Database database;
                try {
                    database = new IndexedH2Database(databaseName, getMvStore(), getCursorRegistry());
                } finally {
                    OPENING.remove();
                }
                for (Runnable build : opened) build.run();
                Indexing.register(database);
                return database;
            } finally {
                endChange();
            }
        }
    }

    static final class IndexedH2Database extends H2Database implements Indexing.IndexedDatabase<Object> {
        IndexedH2Database(String databaseName, MVStore store, CursorRegistry cursors) {
            super(databaseName, store, cursors);
        }

        @Override
        protected MongoCollection<Object> openOrCreateCollection(String name, CollectionOptions options) {
            MVStore store;
            try {
                store = (MVStore) H2_STORE.get(this);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            // The same map names as H2Database, so the data files are the library's own.
            String fullName = getFullCollectionNamespace(name);
            // Documents as BSON (DocumentDataType), keys in the library's order (StoredKeyType).
            MVMap<Object, Document> dataMap = store.openMap("databases." + fullName,
                new MVMap.Builder<Object, Document>().keyType(StoredKeyType.INSTANCE).valueType(new DocumentDataType()));
            MVMap<String, Object> metaMap = store.openMap("meta." + fullName);
            return new IndexedH2Collection(this, name, options, dataMap, metaMap, cursorRegistry);
        }

        /** The library's unique index, its keys and positions kept by {@link StoredKeyType} (same map, same order). */
        @Override
        protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys,
                                                        boolean sparse) {
            MVMap<Object, Object> entries = store().openMap(getFullCollectionNamespace(collectionName) + "._index_" + indexName,
                new MVMap.Builder<Object, Object>().keyType(StoredKeyType.INSTANCE).valueType(StoredKeyType.INSTANCE));
            return new StoredUniqueIndex(entries, indexName, keys, sparse);
        }

        @Override
        protected Index<Object> openOrCreateSecondaryIndex(String collectionName, String indexName, List<IndexKey> keys,
                                                           boolean sparse) {
            IndexedH2Collection collection = (IndexedH2Collection) resolveCollection(collectionName, true);
            SecondaryIndex<Object> index = new SecondaryIndex<>(indexName, keys, sparse, collection.naturalOrder(),
                () -> collection.upkeep.removing);
            // The library's own name for an index's map: its dropIndex and drop remove it with the index.
            MVMap<Object[], Boolean> entries = store().openMap(getFullCollectionNamespace(collectionName) + "._index_" + indexName,
                new MVMap.Builder<Object[], Boolean>().keyType(new IndexEntryType(index::compareEntries)));
            index.storeIn(new SecondaryIndex.Stored(entries, collection.metaMap, collection.dataMap::sizeAsLong));
            return index;
        }

        private MVStore store() {
            try {
                return (MVStore) H2_STORE.get(this);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected synchronized void addIndex(Document description) {
            if (Indexing.alreadyExists(this, description)) return;
            super.addIndex(description);
        }

        @Override
        public Document handleCommand(Channel channel, String command, Document query, DatabaseResolver resolver, Oplog oplog) {
            Document answer = Indexing.handleCommand(this, this, command, query, resolver, oplog);
            if (answer != null) return answer;
            return readingStored(command, () -> super.handleCommand(channel, command, query, resolver, oplog));
        }

        @Override
        public void drop(Oplog oplog) {
            Indexing.unregister(this);
            super.drop(oplog);
        }

        @Override
        public MongoCollection<Object> indexDescriptions() {
            return resolveCollection("system.indexes", false);
        }

        @Override
        public MongoCollection<Object> collection(String name) {
            return resolveCollection(name, false);
        }

        @Override
        public void dropIndexOf(MongoCollection<Object> collection, String indexName) {
            dropIndex(collection, indexName);
        }

        @Override
        public String namespace(String collectionName) {
            return getFullCollectionNamespace(collectionName);
        }
    }

    static final class IndexedH2Collection extends H2Collection implements Planned {
        /** Sorts with the library's order, each document's sort values read once ({@link SortOrder}). */
        @Override
        protected QueryResult matchDocumentsFromStream(Stream<Document> documents, Document query, Document orderBy,
                                                       int skip, int limit, int batchSize, Document fieldSelector) {
            return matchDocumentsFromStream(query, documents, skip, limit, batchSize, SortOrder.of(orderBy), fieldSelector);
        }

        /** A document by position, noted while a find is explained ({@link Explain}). */
        @Override
        protected Document getDocument(Object position) {
            Explain.examined(position);
            return super.getDocument(position);
        }

        final Upkeep<Object> upkeep;
        final MVMap<Object, Document> dataMap;
        final MVMap<String, Object> metaMap;
        private final DataType<Object> keyType;

        IndexedH2Collection(MongoDatabase database, String name, CollectionOptions options,
                            MVMap<Object, Document> dataMap, MVMap<String, Object> metaMap, CursorRegistry cursors) {
            super(database, name, options, dataMap, metaMap, cursors);
            this.dataMap = dataMap;
            this.metaMap = metaMap;
            this.keyType = dataMap.getKeyType();
            this.upkeep = new Upkeep<>(this::buildPending);
        }

        /** The order of a scan: the data map's key order. */
        Comparator<Object> naturalOrder() {
            return (a, b) -> keyType.compare(Missing.ofNullable(a), Missing.ofNullable(b));
        }

        private synchronized void buildPending() {
            upkeep.buildPending(getIndexes(), () -> streamAllDocumentsWithPosition().iterator(), this);
        }

        @Override
        public synchronized void addIndex(Index<Object> index) {
            beginChange();
            try {
                super.addIndex(index);
                upkeep.added(index, getIndexes(), () -> streamAllDocumentsWithPosition().iterator(), this);
            } finally {
                endChange();
            }
        }

        /**
         * No running total of the documents' size. The library keeps one by encoding the document
         * as it was and as it is at every write (a status update's shipment, with its history,
         * twice) and storing the total in the collection's meta map (one more page to write at
         * the next commit); only collStats and dbStats read it, and they compute it when asked.
         */
        @Override
        protected boolean tracksDataSize() {
            return false;
        }

        @Override
        protected int getDataSize() {
            return Backends.dataSize(streamAllDocumentsWithPosition());
        }

        // Each change of a document, with its index entries, happens whole between two commits.

        @Override
        public synchronized void addDocument(Document document) {
            beginChange();
            try {
                super.addDocument(document);
            } finally {
                endChange();
            }
        }

        @Override
        public synchronized void removeDocument(Document document) {
            beginChange();
            upkeep.removing = idPosition(getIndexes(), document);
            try {
                super.removeDocument(document);
            } finally {
                upkeep.removing = null;
                endChange();
            }
        }

        @Override
        public synchronized Document updateDocuments(Document selector, Document updateQuery, ArrayFilters arrayFilters,
                                                     boolean isMulti, boolean isUpsert, Oplog oplog) {
            beginChange();
            try {
                return changing(() -> super.updateDocuments(selector, updateQuery, arrayFilters, isMulti, isUpsert, oplog));
            } finally {
                endChange();
            }
        }

        @Override
        public synchronized Document findAndModify(Document query) {
            beginChange();
            try {
                return changing(() -> super.findAndModify(query));
            } finally {
                endChange();
            }
        }

        @Override
        public synchronized int count(Document query, int skip, int limit) {
            return super.count(query, skip, limit);
        }

        @Override
        public synchronized boolean hasPlan(Document query) {
            return Backends.hasPlan(getIndexes(), query);
        }

        @Override
        public synchronized int exactCount(Document query) {
            return QueryPlanner.exactCount(getIndexes(), query);
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize,
                                             Document fieldSelector) {
            Iterable<Object> positions = plan(getIndexes(), query, orderBy, skip, limit, this::getDocument,
                this::documentMatchesQuery);
            return projecting(fieldSelector, fields -> positions == null
                ? super.queryDocuments(query, orderBy, skip, limit, batchSize, fields)
                : matchDocuments(query, positions, orderBy, skip, limit, batchSize, fields));
        }

        @Override
        protected QueryResult createQueryResult(List<Document> matched, int batchSize) {
            return super.createQueryResult(snapshots(matched), batchSize);
        }
        // handleUpdate (H2Collection's) stores the updated copy: nothing else to change.
    }

    // ----- memory -----

    /** Everything in memory (the test suite), with the same databases and collections. */
    static final class Memory extends MemoryBackend {
        @Override
        public MemoryDatabase openOrCreateDatabase(String databaseName) {
            IndexedMemoryDatabase database = new IndexedMemoryDatabase(databaseName, getCursorRegistry());
            Indexing.register(database);
            return database;
        }
    }

    static final class IndexedMemoryDatabase extends MemoryDatabase implements Indexing.IndexedDatabase<Integer> {
        IndexedMemoryDatabase(String databaseName, CursorRegistry cursors) {
            super(databaseName, cursors);
        }

        @Override
        protected MemoryCollection openOrCreateCollection(String name, CollectionOptions options) {
            return new IndexedMemoryCollection(this, name, options, cursorRegistry);
        }

        @Override
        protected Index<Integer> openOrCreateSecondaryIndex(String collectionName, String indexName, List<IndexKey> keys,
                                                            boolean sparse) {
            IndexedMemoryCollection collection = (IndexedMemoryCollection) resolveCollection(collectionName, true);
            return new SecondaryIndex<>(indexName, keys, sparse, Integer::compare, () -> collection.upkeep.removing);
        }

        @Override
        protected synchronized void addIndex(Document description) {
            if (Indexing.alreadyExists(this, description)) return;
            super.addIndex(description);
        }

        @Override
        public Document handleCommand(Channel channel, String command, Document query, DatabaseResolver resolver, Oplog oplog) {
            Document answer = Indexing.handleCommand(this, this, command, query, resolver, oplog);
            if (answer != null) return answer;
            return readingStored(command, () -> super.handleCommand(channel, command, query, resolver, oplog));
        }

        @Override
        public void drop(Oplog oplog) {
            Indexing.unregister(this);
            super.drop(oplog);
        }

        @Override
        public MongoCollection<Integer> indexDescriptions() {
            return resolveCollection("system.indexes", false);
        }

        @Override
        public MongoCollection<Integer> collection(String name) {
            return resolveCollection(name, false);
        }

        @Override
        public void dropIndexOf(MongoCollection<Integer> collection, String indexName) {
            dropIndex(collection, indexName);
        }

        @Override
        public String namespace(String collectionName) {
            return getFullCollectionNamespace(collectionName);
        }
    }

    /** The BSON size of every document of a collection, summed (what collStats and dbStats report). */
    static <P> int dataSize(Stream<DocumentWithPosition<P>> documents) {
        long size = documents.mapToLong(d -> bsonSize(d.getDocument())).sum();
        return (int) Math.min(size, Integer.MAX_VALUE);
    }

    private static int bsonSize(Document document) {
        ByteBuf out = Unpooled.buffer(256);
        try {
            BsonEncoder.encodeDocument(document, out);
            return out.readableBytes();
        } finally {
            out.release();
        }
    }

    static final class IndexedMemoryCollection extends MemoryCollection implements Planned {
        /** As {@link IndexedH2Collection#tracksDataSize()}: computed when asked. */
        @Override
        protected boolean tracksDataSize() {
            return false;
        }

        @Override
        protected int getDataSize() {
            return Backends.dataSize(streamAllDocumentsWithPosition());
        }

        /** Sorts with the library's order, each document's sort values read once ({@link SortOrder}). */
        @Override
        protected QueryResult matchDocumentsFromStream(Stream<Document> documents, Document query, Document orderBy,
                                                       int skip, int limit, int batchSize, Document fieldSelector) {
            return matchDocumentsFromStream(query, documents, skip, limit, batchSize, SortOrder.of(orderBy), fieldSelector);
        }

        private static final Field DOCUMENTS;

        static {
            try {
                DOCUMENTS = MemoryCollection.class.getDeclaredField("documents");
                DOCUMENTS.setAccessible(true);
            } catch (NoSuchFieldException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** A document by position, noted while a find is explained ({@link Explain}). */
        @Override
        protected Document getDocument(Integer position) {
            Explain.examined(position);
            return super.getDocument(position);
        }

        private final List<Document> documents;
        final Upkeep<Integer> upkeep = new Upkeep<>(() -> { });

        @SuppressWarnings("unchecked")
        IndexedMemoryCollection(MongoDatabase database, String name, CollectionOptions options, CursorRegistry cursors) {
            super(database, name, options, cursors);
            try {
                documents = (List<Document>) DOCUMENTS.get(this);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected QueryResult createQueryResult(List<Document> matched, int batchSize) {
            return super.createQueryResult(snapshots(matched), batchSize);
        }

        /** MemoryCollection relies on the in-place change; here the updated copy takes the original's place. */
        @Override
        protected void handleUpdate(Integer position, Document oldDocument, Document newDocument) {
            documents.set(position.intValue(), newDocument);
        }

        @Override
        public synchronized void addIndex(Index<Integer> index) {
            super.addIndex(index);
            upkeep.added(index, getIndexes(), () -> streamAllDocumentsWithPosition().iterator(), this);
        }

        @Override
        public synchronized void removeDocument(Document document) {
            upkeep.removing = idPosition(getIndexes(), document);
            try {
                super.removeDocument(document);
            } finally {
                upkeep.removing = null;
            }
        }

        @Override
        public synchronized int count(Document query, int skip, int limit) {
            return super.count(query, skip, limit);
        }

        @Override
        public synchronized boolean hasPlan(Document query) {
            return Backends.hasPlan(getIndexes(), query);
        }

        @Override
        public synchronized int exactCount(Document query) {
            return QueryPlanner.exactCount(getIndexes(), query);
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize,
                                             Document fieldSelector) {
            Iterable<Integer> positions = plan(getIndexes(), query, orderBy, skip, limit, this::getDocument,
                this::documentMatchesQuery);
            return projecting(fieldSelector, fields -> positions == null
                ? super.queryDocuments(query, orderBy, skip, limit, batchSize, fields)
                : matchDocuments(query, positions, orderBy, skip, limit, batchSize, fields));
        }
    }
}
