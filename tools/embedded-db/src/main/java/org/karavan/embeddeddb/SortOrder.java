package org.karavan.embeddeddb;

import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Map;

import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.Document;

/**
 * The order of a query's {@code sort}, as mongo-java-server's {@code DocumentComparator} gives it,
 * with each document's sort values read once per query instead of at every comparison.
 *
 * <p>{@code DocumentComparator} reads a document's value at a path with {@code Utils.splitPath}, a
 * regular expression, twice per key and comparison: sorting a page of 50 balances was a third of the
 * database's time on a place's stock list (a JFR profile of {@code GET /api/stock?locationId=}).
 * The values, the comparison of each key and the tie rule (the stream's stable sort keeps the
 * candidates' order) are the library's, so the order is exactly the library's.
 */
final class SortOrder {

    private SortOrder() {
    }

    /** A comparator for the sort, or null where the library sorts nothing (none, empty or {@code $natural}). */
    static Comparator<Document> of(Document orderBy) {
        if (orderBy == null || orderBy.isEmpty() || orderBy.keySet().iterator().next().equals("$natural")) return null;
        String[] keys = orderBy.keySet().toArray(new String[0]);
        ValueComparator[] order = new ValueComparator[keys.length];
        for (int i = 0; i < keys.length; i++) {
            order[i] = ((Number) orderBy.get(keys[i])).intValue() > 0 ? ValueComparator.asc() : ValueComparator.desc();
        }
        Map<Document, Object[]> values = new IdentityHashMap<>();
        return (a, b) -> {
            Object[] va = values.computeIfAbsent(a, d -> new Object[keys.length]);
            Object[] vb = values.computeIfAbsent(b, d -> new Object[keys.length]);
            for (int i = 0; i < keys.length; i++) {
                int c = order[i].compare(value(a, va, keys, i), value(b, vb, keys, i));
                if (c != 0) return c;
            }
            return 0;
        };
    }

    /** A missing value is read once too: {@code Missing} stands for it, never null. */
    private static Object value(Document document, Object[] values, String[] keys, int i) {
        Object v = values[i];
        if (v == null) {
            v = Utils.getSubdocumentValueCollectionAware(document, keys[i]);
            values[i] = v == null ? NULL : v;
            return v;
        }
        return v == NULL ? null : v;
    }

    private static final Object NULL = new Object();
}
