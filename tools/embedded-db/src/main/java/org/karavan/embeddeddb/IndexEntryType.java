package org.karavan.embeddeddb;

import java.nio.ByteBuffer;
import java.util.Comparator;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;


/**
 * How one entry of a stored {@link SecondaryIndex} is kept in H2: the key values of one document
 * followed by its position (its {@code _id}), as one MVMap key ordered by the index's own order
 * (values in the keys' directions, then the position in the collection's natural order). Strings,
 * numbers, booleans and null are written as H2 writes any value; ObjectIds and dates compactly
 * ({@link CompactValues}); anything else (an embedded document or array as a key, rare) as H2
 * writes any serializable object.
 */
final class IndexEntryType extends BasicDataType<Object[]> {

    private final ObjectDataType values = new ObjectDataType();
    private final Comparator<Object[]> order;

    IndexEntryType(Comparator<Object[]> order) {
        this.order = order;
    }

    @Override
    public int compare(Object[] a, Object[] b) {
        return order.compare(a, b);
    }

    @Override
    public int getMemory(Object[] entry) {
        int size = 24 + 8 * entry.length;
        for (Object value : entry) size += value instanceof String s ? 48 + 2 * s.length() : 32;
        return size;
    }

    @Override
    public void write(WriteBuffer buff, Object[] entry) {
        buff.putVarInt(entry.length);
        for (Object value : entry) CompactValues.write(buff, value, values);
    }

    @Override
    public Object[] read(ByteBuffer buff) {
        int length = DataUtils.readVarInt(buff);
        Object[] entry = new Object[length];
        for (int i = 0; i < length; i++) entry[i] = CompactValues.read(buff, values);
        return entry;
    }

    @Override
    public Object[][] createStorage(int size) {
        return new Object[size][];
    }
}
