package org.karavan.embeddeddb;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;

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
 * A non-unique secondary index, single or compound, kept in memory: a sorted map from the
 * document's key values (normalised as mongo-java-server's unique indexes do, one entry per array
 * element for multikey fields) to the positions of the documents holding them, in the
 * collection's natural order. It is rebuilt from the documents when the database opens (the data
 * file holds only the documents, so an index can never disagree with them after a kill -9) and
 * kept up to date by the collection on every insert, update, replace and delete, under the
 * collection's lock.
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
    /** Key values to the position holding them (most keys) or a TreeSet of positions (in natural order). */
    private final TreeMap<Object[], Object> entries;
    private final Comparator<P> naturalOrder;
    private final Supplier<P> removingPosition;
    private final boolean[] multikey;
    private long count;
    private boolean built;

    SecondaryIndex(String name, List<IndexKey> keys, boolean sparse, Comparator<P> naturalOrder,
                   Supplier<P> removingPosition) {
        super(name, keys, sparse);
        this.ascending = new boolean[keys.size()];
        for (int i = 0; i < keys.size(); i++) ascending[i] = keys.get(i).isAscending();
        this.entries = new TreeMap<>(this::compareKeys);
        this.naturalOrder = naturalOrder;
        this.removingPosition = removingPosition;
        this.multikey = new boolean[keys.size()];
        this.keyNames = List.copyOf(keys());
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

    /** The positions of one entry's value, in natural order. */
    @SuppressWarnings("unchecked")
    Iterable<P> positions(Object value) {
        if (value instanceof PositionSet<?> set) return (Iterable<P>) set;
        return List.of((P) value);
    }

    /** A set of positions; its own class, so that a position is never mistaken for one. */
    private static final class PositionSet<P> extends TreeSet<P> {
        private static final long serialVersionUID = 1L;

        PositionSet(Comparator<? super P> order) {
            super(order);
        }
    }

    NavigableMap<Object[], Object> range(Object[] from, Object[] to) {
        if (compareKeys(from, to) > 0) return java.util.Collections.emptyNavigableMap();
        return entries.subMap(from, true, to, true);
    }

    // ----- upkeep -----

    boolean isBuilt() {
        return built;
    }

    void markBuilt() {
        built = true;
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

    private static Object[] toArray(KeyValue keyValue) {
        Object[] key = new Object[keyValue.size()];
        for (int i = 0; i < key.length; i++) key[i] = keyValue.get(i);
        return key;
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
            if (Utils.getSubdocumentValueCollectionAware(document, keys.get(i)) instanceof Collection) multikey[i] = true;
        }
        for (KeyValue keyValue : keyValuesOf(document)) {
            Object[] key = toArray(keyValue);
            Object held = entries.putIfAbsent(key, position); // one walk of the tree when the key is new
            if (held == null) {
                count++;
            } else if (held instanceof PositionSet<?> set) {
                @SuppressWarnings("unchecked")
                PositionSet<P> positions = (PositionSet<P>) set;
                if (positions.add(position)) count++;
            } else if (!held.equals(position)) {
                PositionSet<P> positions = new PositionSet<>(naturalOrder);
                @SuppressWarnings("unchecked")
                P other = (P) held;
                positions.add(other);
                positions.add(position);
                entries.put(key, positions);
                count++;
            }
        }
    }

    private void delete(Document document, P position) {
        for (KeyValue keyValue : keyValuesOf(document)) {
            Object[] key = toArray(keyValue);
            Object held = entries.get(key);
            if (held instanceof PositionSet<?> positions) {
                if (positions.remove(position)) {
                    count--;
                    if (positions.size() == 1) entries.put(key, positions.first());
                }
            } else if (held != null && held.equals(position)) {
                entries.remove(key);
                count--;
            }
        }
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
        return count;
    }

    /** Never "empty" to the library: it would then read every document once per index to fill it. */
    @Override
    public boolean isEmpty() {
        return false;
    }

    @Override
    public long getDataSize() {
        return count * 64;
    }

    @Override
    public void drop() {
        entries.clear();
        count = 0;
        Arrays.fill(multikey, false);
    }

    /** Compares the same options as the library's indexes (sparse) plus the kind. */
    @Override
    public boolean hasSameOptions(Index<?> other) {
        return other instanceof SecondaryIndex && super.hasSameOptions(other);
    }

}
