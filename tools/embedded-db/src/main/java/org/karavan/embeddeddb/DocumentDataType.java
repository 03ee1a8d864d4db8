package org.karavan.embeddeddb;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;

import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * How a collection's documents are stored in H2: as BSON (the wire format, with the library's own
 * encoder and decoder) behind a marker byte, instead of H2's default Java serialization of the
 * document object. Reading a document back is then a BSON decode, several times cheaper than Java
 * deserialization: it is what a cold read costs, and what opening a big database costs, since the
 * secondary indexes are rebuilt from every document (measured with {@code npm run bench:scale}).
 *
 * <p>Files written before hold Java-serialized documents (H2's tag {@value #SERIALIZED}): they are
 * read as before, and each is written as BSON the next time it changes. A value the encoder cannot
 * write (none is known) is stored the old way, so a write never fails for the format's sake.
 */
final class DocumentDataType extends BasicDataType<Document> {

    /** H2's ObjectDataType tag of a Java-serialized object (every document of an older file). */
    static final int SERIALIZED = 19;
    /** The first byte of a BSON document here; a tag H2's ObjectDataType never writes. */
    static final byte BSON = 127;

    private final ObjectDataType fallback = new ObjectDataType();

    @Override
    public int getMemory(Document value) {
        return estimate(value, 0);
    }

    /** Roughly what the decoded value takes on the heap (H2's cache counts it). */
    private static int estimate(Object value, int depth) {
        if (value instanceof Map<?, ?> map) {
            int size = 64;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                size += 48 + 2 * String.valueOf(e.getKey()).length();
                size += depth < 8 ? estimate(e.getValue(), depth + 1) : 64;
            }
            return size;
        }
        if (value instanceof Collection<?> list) {
            int size = 48;
            for (Object o : list) size += 8 + (depth < 8 ? estimate(o, depth + 1) : 64);
            return size;
        }
        if (value instanceof String s) return 48 + 2 * s.length();
        if (value instanceof byte[] bytes) return 24 + bytes.length;
        return 24;
    }

    /**
     * Where a document is encoded before it is copied into the page: one buffer per thread that
     * writes pages (the committer), kept between documents, so that a big document is not encoded
     * into a buffer that doubles its way up from a few hundred bytes, then copied out twice.
     */
    private static final int SCRATCH_START = 64 << 10;
    private static final ThreadLocal<ByteBuf> SCRATCH = ThreadLocal.withInitial(() -> Unpooled.buffer(SCRATCH_START));
    /** A scratch buffer grown past this (by a huge document) is not kept. */
    private static final int SCRATCH_KEPT = 1 << 20;

    @Override
    public void write(WriteBuffer buff, Document document) {
        if (document != null) {
            ByteBuf out = SCRATCH.get();
            out.clear();
            try {
                BsonEncoder.encodeDocument(document, out);
                buff.put(BSON).put(out.nioBuffer());
                return;
            } catch (RuntimeException e) {
                // Not representable as BSON: stored the way H2 stores any object.
            } finally {
                if (out.capacity() > SCRATCH_KEPT) SCRATCH.remove();
            }
        }
        fallback.write(buff, document);
    }

    @Override
    public Document read(ByteBuffer buff) {
        if (buff.get(buff.position()) != BSON) return (Document) fallback.read(buff);
        buff.get();
        int length = Integer.reverseBytes(buff.getInt(buff.position()));
        ByteBuf in;
        if (buff.hasArray()) {
            in = Unpooled.wrappedBuffer(buff.array(), buff.arrayOffset() + buff.position(), length);
            buff.position(buff.position() + length);
        } else {
            byte[] bytes = new byte[length];
            buff.get(bytes);
            in = Unpooled.wrappedBuffer(bytes);
        }
        return BsonDecoder.decodeBson(in);
    }

    @Override
    public Document[] createStorage(int size) {
        return new Document[size];
    }

    @Override
    public int compare(Document a, Document b) {
        // Values are never ordered; H2 compares them only to see whether one changed.
        return a == b || (a != null && a.equals(b)) ? 0 : 1;
    }
}
