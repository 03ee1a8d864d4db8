package org.karavan.embeddeddb;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;

/**
 * mongo-java-server's H2 and memory backends, with two changes to its collections.
 *
 * <p>Snapshots: mongo-java-server updates a stored document in place and replies with the stored
 * object itself, encoded after the collection's lock is released, so a reply could show a later
 * update or half of one (measured: 50 concurrent guarded {@code findOneAndUpdate} returned values
 * 5, 5, 6, 6, 6 where 5 to 9 were right). Here every document a query returns is copied under the
 * lock; updates change the copy, which is then stored in place of the original, so a document that
 * left the lock never changes.
 *
 * <p>Indexes: mongo-java-server uses an index only when a filter names exactly its fields:
 * {@code {_id: x}} is a lookup, but the guarded update {@code {_id: x, onHand: {$gte: 3}}} and
 * the scoped read {@code {_id: x, driver: me}} read the whole collection. Here a unique index
 * whose fields the filter names finds the (at most one, or one per {@code $in} value) candidate,
 * and the whole filter is then matched on it as before: the same results without the scan.
 */
final class Backends {

    private Backends() {
    }

    /** The positions of the candidates for {@code query} from a unique index, or null to scan. */
    static <P> Iterable<P> candidates(List<Index<P>> indexes, Document query) {
        if (query.size() < 2) return null; // exactly the index's fields: the library already does it
        for (Index<P> index : indexes) {
            List<IndexKey> keys = index.getKeys();
            if (keys.size() >= query.size()) continue;
            Document lookup = new Document();
            for (IndexKey key : keys) {
                if (!query.containsKey(key.getKey())) break;
                lookup.put(key.getKey(), query.get(key.getKey()));
            }
            if (lookup.size() == keys.size() && index.canHandle(lookup)) {
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
        List<Document> copies = new ArrayList<>(documents.size());
        for (Document document : documents) copies.add(document.cloneDeeply());
        return copies;
    }

    /** H2's MVStore, as in {@link H2Backend}, with the collections below. */
    static final class H2 extends H2Backend {
        H2(MVStore store) {
            super(store);
        }

        @Override
        protected MongoDatabase openOrCreateDatabase(String databaseName) {
            MVStore store = getMvStore();
            return new H2Database(databaseName, store, getCursorRegistry()) {
                @Override
                protected MongoCollection<Object> openOrCreateCollection(String name, CollectionOptions options) {
                    // The same map names as H2Database, so the data files are the library's own.
                    String fullName = getFullCollectionNamespace(name);
                    MVMap<Object, Document> dataMap = store.openMap("databases." + fullName);
                    MVMap<String, Object> metaMap = store.openMap("meta." + fullName);
                    return new IndexedH2Collection(this, name, options, dataMap, metaMap, cursorRegistry);
                }
            };
        }
    }

    static final class IndexedH2Collection extends H2Collection {
        IndexedH2Collection(MongoDatabase database, String name, CollectionOptions options,
                            MVMap<Object, Document> dataMap, MVMap<String, Object> metaMap, CursorRegistry cursors) {
            super(database, name, options, dataMap, metaMap, cursors);
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize,
                                             Document fieldSelector) {
            Iterable<Object> positions = candidates(getIndexes(), query);
            if (positions == null) return super.queryDocuments(query, orderBy, skip, limit, batchSize, fieldSelector);
            return matchDocuments(query, positions, orderBy, skip, limit, batchSize, fieldSelector);
        }

        @Override
        protected QueryResult createQueryResult(List<Document> matched, int batchSize) {
            return super.createQueryResult(snapshots(matched), batchSize);
        }
        // handleUpdate (H2Collection's) stores the updated copy: nothing else to change.
    }

    /** Everything in memory (the test suite), with the same collections. */
    static final class Memory extends MemoryBackend {
        @Override
        public MemoryDatabase openOrCreateDatabase(String databaseName) {
            return new MemoryDatabase(databaseName, getCursorRegistry()) {
                @Override
                protected MemoryCollection openOrCreateCollection(String name, CollectionOptions options) {
                    return new IndexedMemoryCollection(this, name, options, cursorRegistry);
                }
            };
        }
    }

    static final class IndexedMemoryCollection extends MemoryCollection {
        private static final Field DOCUMENTS;

        static {
            try {
                DOCUMENTS = MemoryCollection.class.getDeclaredField("documents");
                DOCUMENTS.setAccessible(true);
            } catch (NoSuchFieldException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final List<Document> documents;

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
        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize,
                                             Document fieldSelector) {
            Iterable<Integer> positions = candidates(getIndexes(), query);
            if (positions == null) return super.queryDocuments(query, orderBy, skip, limit, batchSize, fieldSelector);
            return matchDocuments(query, positions, orderBy, skip, limit, batchSize, fieldSelector);
        }
    }
}
