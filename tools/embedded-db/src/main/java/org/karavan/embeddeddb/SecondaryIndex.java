package org.karavan.embeddeddb;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.h2.mvstore.MVMap;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.MaxKey;
import de.bwaldvogel.mongo.bson.MinKey;
import de.bwaldvogel.mongo.bson.ObjectId;

/**
 * A non-unique secondary index, single or compound: a sorted set of entries, each the document's
 * key values (normalised as mongo-java-server's unique indexes do, one entry per array element for
 * multikey fields) followed by the document's position, so that the positions of one key come in
 * the collection's natural order. It is kept up to date by the collection on every insert, update,
 * replace and delete, under the collection's lock.
 *
 * <p>On H2 the entries live in an MVMap of the same store as the documents ({@link Stored}), and
 * the store commits only between operations, so the file's last commit always holds documents and
 * entries that agree, also after a kill -9. When the database opens, an index whose stored build
 * is complete and whose entry count agrees with the collection is used as it is
 * ({@link #adoptStored}); any other is built again from the documents (a file written before the
 * indexes were stored, or a build cut short). In memory (the test suite) the entries are a TreeSet.
 *
 * <p>The library never asks it for positions ({@link #canHandle} is false): {@link QueryPlanner}
 * uses it to narrow the candidates of a query, which are then matched against the whole filter
 * as in a scan.
 */
final class SecondaryIndex<P> extends Index<P> {

    /** Tree-order sentinels: below and above every key value (whatever the key's direction). */
    static final Object LOW = new Object() {
        @Override
        public String toString() {
            return "LOW";
        }
    };
    static final Object HIGH = new Object() {
        @Override
        public String toString() {
            return "HIGH";
        }
    };

    /** The lower or upper edge of one BSON type's values (a range never leaves its type, as in MongoDB). */
    record Edge(int rank, boolean high) {
    }

    private final boolean[] ascending;
    /** The entries: each document's key values followed by its position, in index order. */
    private Entries entries;
    private final Comparator<P> naturalOrder;
    private final Supplier<P> removingPosition;
    private final boolean[] multikey;
    private boolean built;
    /** Where the entries, the multikey flags and the "complete" marker are stored (H2), or null (memory). */
    private Stored stored;

    SecondaryIndex(String name, List<IndexKey> keys, boolean sparse, Comparator<P> naturalOrder,
                   Supplier<P> removingPosition) {
        super(name, keys, sparse);
        this.ascending = new boolean[keys.size()];
        for (int i = 0; i < keys.size(); i++) ascending[i] = keys.get(i).isAscending();
        this.naturalOrder = naturalOrder;
        this.removingPosition = removingPosition;
        this.multikey = new boolean[keys.size()];
        this.keyNames = List.copyOf(keys());
        this.entries = new MemoryEntries(new TreeSet<>(this::compareEntries));
    }

    /** The key names, in order (the library's {@code keys()} builds the list again on every call). */
    private final List<String> keyNames;

    // ----- order -----

    /** The BSON type order of mongo-java-server's ValueComparator; -1 for types without an edge. */
    static int rank(Object value) {
        if (value == null || value instanceof Missing) return 1;
        if (value instanceof MinKey) return 0;
        if (value instanceof Number) return 2;
        if (value instanceof String) return 3;
        if (value instanceof Document) return 4;
        if (value instanceof List) return 5;
        if (value instanceof UUID) return 8;
        if (value instanceof ObjectId) return 9;
        if (value instanceof Boolean) return 10;
        if (value instanceof Instant) return 11;
        if (value instanceof BsonTimestamp) return 12;
        if (value instanceof MaxKey) return 14;
        return -1;
    }

    /** Value order (ascending) of two normalised values, either of which may be an {@link Edge}. */
    static int compareValues(Object a, Object b) {
        if (a instanceof Edge ea) {
            if (b instanceof Edge eb) {
                int c = Integer.compare(ea.rank(), eb.rank());
                return c != 0 ? c : Boolean.compare(ea.high(), eb.high());
            }
            int c = Integer.compare(ea.rank(), rank(b));
            return c != 0 ? c : (ea.high() ? 1 : -1);
        }
        if (b instanceof Edge) return -compareValues(b, a);
        // The common keys first, with the library's own order for them (ValueComparator compares
        // two strings, dates or ObjectIds exactly so): a million inserts when an index is rebuilt.
        if (a instanceof String sa && b instanceof String sb) return sa.compareTo(sb);
        if (a instanceof Instant ia && b instanceof Instant ib) return ia.compareTo(ib);
        if (a instanceof ObjectId oa && b instanceof ObjectId ob) return oa.compareTo(ob);
        return ValueComparator.asc().compare(a, b);
    }

    /** Tree order of one element of a key: LOW/HIGH first, then the value order in the key's direction. */
    int compareElement(int i, Object a, Object b) {
        if (a == b) return 0;
        if (a == LOW || b == HIGH) return -1;
        if (a == HIGH || b == LOW) return 1;
        int c = compareValues(a, b);
        return ascending[i] ? c : -c;
    }

    int compareKeys(Object[] a, Object[] b) {
        for (int i = 0; i < a.length; i++) {
            int c = compareElement(i, a[i], b[i]);
            if (c != 0) return c;
        }
        return 0;
    }

    /**
     * Order of stored entries (key values, then the position) and of range bounds (key values,
     * possibly shorter than an entry: a missing position is below or above every position, as
     * the bound's last element says, LOW or HIGH).
     */
    @SuppressWarnings("unchecked")
    int compareEntries(Object[] a, Object[] b) {
        int n = ascending.length;
        for (int i = 0; i < n; i++) {
            int c = compareElement(i, a[i], b[i]);
            if (c != 0) return c;
        }
        Object pa = a.length > n ? a[n] : LOW;
        Object pb = b.length > n ? b[n] : LOW;
        if (pa == pb) return 0;
        if (pa == LOW || pb == HIGH) return -1;
        if (pa == HIGH || pb == LOW) return 1;
        return naturalOrder.compare((P) pa, (P) pb);
    }

    Comparator<P> naturalOrder() {
        return naturalOrder;
    }

    boolean isAscending(int i) {
        return ascending[i];
    }

    boolean isMultikey(int i) {
        return multikey[i];
    }

    boolean sparse() {
        return isSparse();
    }

    /** The position of a stored entry (its last element). */
    @SuppressWarnings("unchecked")
    P positionOf(Object[] entry) {
        return (P) entry[entry.length - 1];
    }

    /**
     * The entries whose key values lie in [from, to] (bounds of the key values only, with
     * LOW/HIGH for the keys they leave open), in index order or reversed.
     */
    Iterable<Object[]> range(Object[] from, Object[] to, boolean reverse) {
        if (compareKeys(from, to) > 0) return List.of();
        Object[] low = Arrays.copyOf(from, from.length + 1);
        low[from.length] = LOW;
        Object[] high = Arrays.copyOf(to, to.length + 1);
        high[to.length] = HIGH;
        return () -> entries.range(low, high, reverse);
    }

    /** Where the entries are kept. */
    interface Entries {
        boolean add(Object[] entry);

        boolean remove(Object[] entry);

        Iterator<Object[]> range(Object[] low, Object[] high, boolean reverse);

        long size();

        void clear();
    }

    /** In memory (the memory backend, or an index being built before it is stored). */
    private record MemoryEntries(TreeSet<Object[]> set) implements Entries {
        @Override
        public boolean add(Object[] entry) {
            return set.add(entry);
        }

        @Override
        public boolean remove(Object[] entry) {
            return set.remove(entry);
        }

        @Override
        public Iterator<Object[]> range(Object[] low, Object[] high, boolean reverse) {
            NavigableSet<Object[]> sub = set.subSet(low, true, high, true);
            return reverse ? sub.descendingIterator() : sub.iterator();
        }

        @Override
        public long size() {
            return set.size();
        }

        @Override
        public void clear() {
            set.clear();
        }
    }

    /** In H2's MVStore, in the same file and the same commits as the documents. */
    private record StoredEntries(MVMap<Object[], Boolean> map) implements Entries {
        @Override
        public boolean add(Object[] entry) {
            return map.putIfAbsent(entry, Boolean.TRUE) == null;
        }

        @Override
        public boolean remove(Object[] entry) {
            return map.remove(entry) != null;
        }

        @Override
        public Iterator<Object[]> range(Object[] low, Object[] high, boolean reverse) {
            return reverse ? map.cursor(high, low, true) : map.cursor(low, high, false);
        }

        @Override
        public long size() {
            return map.sizeAsLong();
        }

        @Override
        public void clear() {
            map.clear();
        }
    }

    /**
     * The stored form of an H2 collection's index: its entries map, and in the collection's meta
     * map its multikey flags and a marker written once a full build of it is stored. Every change
     * is made under the collection's lock and the store commits only between operations
     * ({@link Backends#COMMITS}), so a commit holds documents and entries that agree.
     */
    record Stored(MVMap<Object[], Boolean> map, MVMap<String, Object> meta, LongSupplier documents) {
    }

    private String markerKey() {
        return "karavan.index." + getName() + ".complete";
    }

    private String multikeyKey() {
        return "karavan.index." + getName() + ".multikey";
    }

    /** Keeps this index in {@code stored} (H2). */
    void storeIn(Stored stored) {
        this.stored = stored;
        this.entries = new StoredEntries(stored.map());
    }

    /**
     * When the database opens: true (and the index is ready) when its stored entries are
     * complete and their number agrees with the collection's documents; false when it must be
     * built again (never stored, a build cut short, or entries that do not add up).
     */
    boolean adoptStored() {
        if (stored == null || !"complete".equals(stored.meta().get(markerKey()))) return false;
        if (stored.meta().get(multikeyKey()) instanceof String flags && flags.length() == multikey.length) {
            for (int i = 0; i < multikey.length; i++) multikey[i] = flags.charAt(i) == '1';
        } else {
            return false;
        }
        boolean anyMultikey = false;
        for (boolean m : multikey) anyMultikey |= m;
        long size = entries.size();
        long documents = stored.documents().getAsLong();
        // One entry per document, except that a sparse index leaves some out and an array adds some.
        boolean agree = isSparse() ? (anyMultikey || size <= documents) : anyMultikey ? size >= documents : size == documents;
        if (!agree) return false;
        built = true;
        return true;
    }

    /** Before a full build: no entry, no marker. */
    void clearForBuild() {
        entries.clear();
        Arrays.fill(multikey, false);
        if (stored != null) {
            stored.meta().remove(markerKey());
            stored.meta().remove(multikeyKey());
        }
    }

    private void storeMultikey() {
        if (stored == null) return;
        StringBuilder flags = new StringBuilder();
        for (boolean m : multikey) flags.append(m ? '1' : '0');
        stored.meta().put(multikeyKey(), flags.toString());
    }

    // ----- upkeep -----

    boolean isBuilt() {
        return built;
    }

    void markBuilt() {
        built = true;
        storeMultikey();
        if (stored != null) stored.meta().put(markerKey(), "complete");
    }

    private boolean hasNoValueForKeys(Document document) {
        for (String key : keys()) {
            if (!(Utils.getSubdocumentValueCollectionAware(document, key) instanceof Missing)) return false;
        }
        return true;
    }

    private Set<KeyValue> keyValuesOf(Document document) {
        if (isSparse() && hasNoValueForKeys(document)) return Set.of();
        return getKeyValues(document);
    }

    @Override
    public P getPosition(Document document) {
        return null; // positions come from the collection's _id index
    }

    @Override
    public void checkAdd(Document document, MongoCollection<P> collection) {
        if (built) keyValuesOf(document); // refuses parallel arrays in a compound key, as MongoDB does
    }

    @Override
    public void add(Document document, P position, MongoCollection<P> collection) {
        if (!built) return; // the collection builds it in one pass over its documents
        insert(document, position);
    }

    void insert(Document document, P position) {
        List<String> keys = keyNames;
        for (int i = 0; i < keys.size(); i++) {
            if (!multikey[i] && Utils.getSubdocumentValueCollectionAware(document, keys.get(i)) instanceof Collection) {
                multikey[i] = true;
                if (built) storeMultikey();
            }
        }
        for (KeyValue keyValue : keyValuesOf(document)) entries.add(entryOf(keyValue, position));
    }

    private static Object[] entryOf(KeyValue keyValue, Object position) {
        Object[] entry = new Object[keyValue.size() + 1];
        for (int i = 0; i < keyValue.size(); i++) entry[i] = keyValue.get(i);
        entry[keyValue.size()] = position;
        return entry;
    }

    private void delete(Document document, P position) {
        for (KeyValue keyValue : keyValuesOf(document)) entries.remove(entryOf(keyValue, position));
    }

    @Override
    public P remove(Document document) {
        P position = removingPosition.get();
        if (position == null) throw new IllegalStateException("no position for the document removed from " + this);
        if (built) delete(document, position);
        return position;
    }

    @Override
    public void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<P> collection) {
        if (built) keyValuesOf(newDocument);
    }

    @Override
    public void updateInPlace(Document oldDocument, Document newDocument, P position, MongoCollection<P> collection) {
        if (!built || nullAwareEqualsKeys(oldDocument, newDocument)) return;
        delete(oldDocument, position);
        insert(newDocument, position);
    }

    @Override
    public boolean canHandle(Document query) {
        return false; // QueryPlanner uses it instead
    }

    @Override
    public Iterable<P> getPositions(Document query) {
        throw new UnsupportedOperationException("secondary indexes are read through QueryPlanner");
    }

    @Override
    public long getCount() {
        return entries.size();
    }

    /** Never "empty" to the library: it would then read every document once per index to fill it. */
    @Override
    public boolean isEmpty() {
        return false;
    }

    @Override
    public long getDataSize() {
        return entries.size() * 64;
    }

    @Override
    public void drop() {
        clearForBuild();
    }

    /** Compares the same options as the library's indexes (sparse) plus the kind. */
    @Override
    public boolean hasSameOptions(Index<?> other) {
        return other instanceof SecondaryIndex && super.hasSameOptions(other);
    }

}
