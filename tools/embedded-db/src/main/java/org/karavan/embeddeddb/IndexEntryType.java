package org.karavan.embeddeddb;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Comparator;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.bson.ObjectId;

/**
 * How one entry of a stored {@link SecondaryIndex} is kept in H2: the key values of one document
 * followed by its position (its {@code _id}), as one MVMap key ordered by the index's own order
 * (values in the keys' directions, then the position in the collection's natural order). Strings,
 * numbers, booleans and null are written as H2 writes any value; ObjectIds and dates compactly
 * behind tags H2's {@link ObjectDataType} never writes; anything else (an embedded document or array
 * as a key, rare) as H2 writes any serializable object.
 */
final class IndexEntryType extends BasicDataType<Object[]> {

    private static final int MISSING = 120;
    private static final int INSTANT = 121;
    private static final int OBJECT_ID = 122;

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
        for (Object value : entry) writeValue(buff, value);
    }

    private void writeValue(WriteBuffer buff, Object value) {
        if (value instanceof Missing) {
            buff.put((byte) MISSING);
        } else if (value instanceof Instant instant) {
            buff.put((byte) INSTANT).putVarLong(instant.getEpochSecond()).putVarInt(instant.getNano());
        } else if (value instanceof ObjectId id) {
            buff.put((byte) OBJECT_ID).put(id.toByteArray());
        } else {
            values.write(buff, value);
        }
    }

    @Override
    public Object[] read(ByteBuffer buff) {
        int length = DataUtils.readVarInt(buff);
        Object[] entry = new Object[length];
        for (int i = 0; i < length; i++) entry[i] = readValue(buff);
        return entry;
    }

    private Object readValue(ByteBuffer buff) {
        int tag = buff.get(buff.position()) & 0xff;
        switch (tag) {
            case MISSING -> {
                buff.get();
                return Missing.getInstance();
            }
            case INSTANT -> {
                buff.get();
                long seconds = DataUtils.readVarLong(buff);
                return Instant.ofEpochSecond(seconds, DataUtils.readVarInt(buff));
            }
            case OBJECT_ID -> {
                buff.get();
                byte[] bytes = new byte[12];
                buff.get(bytes);
                return new ObjectId(bytes);
            }
            default -> {
                return values.read(buff);
            }
        }
    }

    @Override
    public Object[][] createStorage(int size) {
        return new Object[size][];
    }
}
