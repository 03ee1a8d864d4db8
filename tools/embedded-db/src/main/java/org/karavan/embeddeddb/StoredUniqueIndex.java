package org.karavan.embeddeddb;

import java.util.List;
import java.util.Map;

import org.h2.mvstore.MVMap;

import de.bwaldvogel.mongo.backend.AbstractUniqueIndex;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;

/**
 * A unique index (the {@code _id} index of every collection included) in its H2 map: the
 * library's {@code H2UniqueIndex}, with the map's keys and positions kept by {@link StoredKeyType}
 * (the same map name and order, so a file written before is used as it is).
 */
final class StoredUniqueIndex extends AbstractUniqueIndex<Object> {

    private final MVMap<Object, Object> entries;

    StoredUniqueIndex(MVMap<Object, Object> entries, String name, List<IndexKey> keys, boolean sparse) {
        super(name, keys, sparse);
        this.entries = entries;
    }

    @Override
    protected Object removeDocument(KeyValue key) {
        return entries.remove(key);
    }

    @Override
    protected boolean putKeyPosition(KeyValue key, Object position) {
        return entries.putIfAbsent(key, Missing.ofNullable(position)) == null;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Iterable<Map.Entry<KeyValue, Object>> getIterable() {
        return (Iterable<Map.Entry<KeyValue, Object>>) (Iterable<?>) entries.entrySet();
    }

    @Override
    protected Object getPosition(KeyValue key) {
        return entries.get(key);
    }

    @Override
    public long getCount() {
        return entries.sizeAsLong();
    }

    @Override
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    @Override
    public long getDataSize() {
        return getCount();
    }
}
