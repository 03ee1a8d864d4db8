package org.karavan.embeddeddb;

import java.nio.ByteBuffer;
import java.time.Instant;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.ObjectDataType;

import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.bson.ObjectId;

/**
 * One stored value, as {@link IndexEntryType} and {@link StoredKeyType} keep it: ObjectIds, dates
 * and Missing compactly behind tags H2's {@link ObjectDataType} never writes (120 to 122; 123 and
 * 127 are taken by StoredKeyType and DocumentDataType); anything else as H2 writes it.
 */
final class CompactValues {

    static final int MISSING = 120;
    static final int INSTANT = 121;
    static final int OBJECT_ID = 122;

    private CompactValues() {
    }

    static void write(WriteBuffer buff, Object value, ObjectDataType h2) {
        if (value instanceof Missing) {
            buff.put((byte) MISSING);
        } else if (value instanceof Instant instant) {
            buff.put((byte) INSTANT).putVarLong(instant.getEpochSecond()).putVarInt(instant.getNano());
        } else if (value instanceof ObjectId id) {
            buff.put((byte) OBJECT_ID).put(id.toByteArray());
        } else {
            h2.write(buff, value);
        }
    }

    static Object read(ByteBuffer buff, ObjectDataType h2) {
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
                return h2.read(buff);
            }
        }
    }
}
