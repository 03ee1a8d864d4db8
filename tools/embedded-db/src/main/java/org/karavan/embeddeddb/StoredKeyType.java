package org.karavan.embeddeddb;

import java.nio.ByteBuffer;
import java.time.Instant;

import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.bson.ObjectId;

/**
 * How the keys of a collection's documents ({@code _id} values) and of its unique indexes (the
 * library's {@link KeyValue}s, and the positions they point to) are kept in H2, in the order H2
 * has always kept them, so that a file written before is read and changed as it is.
 *
 * <p>H2's {@link ObjectDataType} writes an ObjectId or a KeyValue with Java serialization, and
 * orders two KeyValues by comparing their serialized bytes: every comparison of a lookup
 * serialized both keys (a third of the database's time under status updates, measured with JFR).
 * Here an ObjectId, a KeyValue of one value, an Instant and Missing are written compactly behind
 * tags H2 never writes ({@link CompactValues}; older entries are read as H2 wrote
 * them). A KeyValue of several values is written as H2 writes it: its serialized bytes, which order
 * it, depend on which of its values are one object, and Java serialization keeps that. Two
 * KeyValues of one value of the same common type are compared the way their serialized bytes
 * compare, computed from the values: an ObjectId or a number by its bytes, a string by its
 * modified UTF-8 length, then bytes (see {@link #compareSerialized}). Any other pair is compared as
 * H2 compares it, by serializing. Single values compare as H2 compares them (an ObjectId with
 * another by {@code compareTo}, which H2 calls too).
 */
final class StoredKeyType extends BasicDataType<Object> {

    static final StoredKeyType INSTANCE = new StoredKeyType();

    private static final int KEY_VALUE = 123;

    private final ObjectDataType h2 = new ObjectDataType();

    private StoredKeyType() {
    }

    @Override
    public int compare(Object a, Object b) {
        if (a == b) return 0;
        if (a instanceof ObjectId x && b instanceof ObjectId y) return x.compareTo(y);
        if (a instanceof KeyValue x && b instanceof KeyValue y) {
            int order = compareSerialized(x, y);
            if (order != UNKNOWN) return order;
        }
        return h2.compare(a, b);
    }

    /** Marks a pair {@link #compareSerialized} leaves to H2. */
    static final int UNKNOWN = Integer.MIN_VALUE;

    /**
     * The sign of comparing the Java-serialized bytes of two KeyValues of one value each, both of
     * the same class (ObjectId, String, Integer, Long, Double, Boolean), without serializing: the
     * two streams are then the same bytes up to the value's own (the same class descriptors, the
     * same list of one element), and those compare as below. {@link #UNKNOWN} for any other pair.
     */
    static int compareSerialized(KeyValue a, KeyValue b) {
        if (a.size() != 1 || b.size() != 1) return UNKNOWN;
        Object x = a.get(0);
        Object y = b.get(0);
        if (x == null || y == null || x.getClass() != y.getClass()) return UNKNOWN;
        if (x instanceof ObjectId p) return Integer.signum(p.compareTo((ObjectId) y)); // its 12 bytes, unsigned
        if (x instanceof String p) return compareStrings(p, (String) y);
        if (x instanceof Integer p) return Integer.signum(Integer.compareUnsigned(p, (Integer) y));
        if (x instanceof Long p) return Integer.signum(Long.compareUnsigned(p, (Long) y));
        if (x instanceof Double p) {
            return Integer.signum(Long.compareUnsigned(Double.doubleToLongBits(p), Double.doubleToLongBits((Double) y)));
        }
        if (x instanceof Boolean p) return Boolean.compare(p, (Boolean) y);
        return UNKNOWN;
    }

    /**
     * Java serialization writes a string of under 65,536 bytes as its length in modified UTF-8 (two
     * bytes) and those bytes: a shorter one first, then byte by byte (unsigned).
     */
    private static int compareStrings(String x, String y) {
        int lx = utfLength(x);
        int ly = utfLength(y);
        if (lx > 0xffff || ly > 0xffff) return UNKNOWN; // written as a long string: left to H2
        if (lx != ly) return lx < ly ? -1 : 1;
        int ix = 0;
        int iy = 0;
        int bx = 0; // bytes of the current character not yet compared, packed (see utfBytes)
        int by = 0;
        int nx = 0;
        int ny = 0;
        for (int done = 0; done < lx; done++) {
            if (nx == 0) {
                bx = utfBytes(x.charAt(ix++));
                nx = bx >>> 24;
            }
            if (ny == 0) {
                by = utfBytes(y.charAt(iy++));
                ny = by >>> 24;
            }
            int cx = (bx >>> (8 * (--nx))) & 0xff;
            int cy = (by >>> (8 * (--ny))) & 0xff;
            if (cx != cy) return cx < cy ? -1 : 1;
        }
        return 0;
    }

    /** The modified UTF-8 bytes of a character, packed: the count in the top byte, then the bytes. */
    private static int utfBytes(char c) {
        if (c >= 0x0001 && c <= 0x007f) return (1 << 24) | c;
        if (c <= 0x07ff) return (2 << 24) | ((0xc0 | (c >> 6)) << 8) | (0x80 | (c & 0x3f));
        return (3 << 24) | ((0xe0 | (c >> 12)) << 16) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | (0x80 | (c & 0x3f));
    }

    private static int utfLength(String s) {
        int length = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            length += c >= 0x0001 && c <= 0x007f ? 1 : c <= 0x07ff ? 2 : 3;
        }
        return length;
    }

    @Override
    public int getMemory(Object value) {
        if (value instanceof KeyValue key) {
            int size = 48;
            for (Object v : key) size += 8 + getMemory(v);
            return size;
        }
        if (value instanceof ObjectId || value instanceof Instant || value instanceof Missing) return 40;
        return h2.getMemory(value);
    }

    @Override
    public void write(WriteBuffer buff, Object value) {
        if (value instanceof KeyValue key) {
            if (key.size() == 1) {
                buff.put((byte) KEY_VALUE);
                CompactValues.write(buff, key.get(0), h2);
            } else {
                // As H2 writes it: Java serialization keeps which values are one object, and so
                // the serialized bytes that order the key (a compact copy would not).
                h2.write(buff, key);
            }
        } else {
            CompactValues.write(buff, value, h2);
        }
    }

    @Override
    public Object read(ByteBuffer buff) {
        int tag = buff.get(buff.position()) & 0xff;
        if (tag == KEY_VALUE) {
            buff.get();
            return new KeyValue(CompactValues.read(buff, h2));
        }
        return CompactValues.read(buff, h2);
    }

    @Override
    public Object[] createStorage(int size) {
        return new Object[size];
    }
}
