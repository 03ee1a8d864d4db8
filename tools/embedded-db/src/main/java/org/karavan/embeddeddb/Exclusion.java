package org.karavan.embeddeddb;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import de.bwaldvogel.mongo.bson.Document;

/**
 * A projection that only leaves fields out ({@code {"history.position": 0, handovers: 0}}),
 * applied by copying only what it changes.
 *
 * <p>The library's projection copies every document whole (deeply) before it removes the fields:
 * for a page of 51 shipments that is most of the query's time, and more than sending the fields.
 * Stored documents are never changed in place (an update stores a changed copy), and a query's
 * result is only encoded into the reply or kept by a cursor, so the parts a projection does not
 * touch can be shared with the stored document. The fields are left out as the library leaves them
 * out (the behaviour pinned against MongoDB 7 in tests/integration/database.test.ts): a path goes
 * through sub-documents and through the documents of an array; other array elements stay.
 */
final class Exclusion {

    /** The excluded paths as a tree: a key maps to null (leave it out) or to the paths below it. */
    private final Map<String, Object> tree;

    private Exclusion(Map<String, Object> tree) {
        this.tree = tree;
    }

    /** The exclusion a find's projection is, or null for any other projection (the library's). */
    static Exclusion of(Document fieldSelector) {
        if (fieldSelector == null || fieldSelector.isEmpty()) return null;
        Map<String, Object> tree = new LinkedHashMap<>();
        for (Map.Entry<String, Object> field : fieldSelector.entrySet()) {
            Object value = field.getValue();
            boolean excluded = (value instanceof Boolean b && !b)
                || ((value instanceof Integer || value instanceof Long || value instanceof Double)
                    && ((Number) value).doubleValue() == 0);
            String key = field.getKey();
            if (!excluded || key.isEmpty() || key.contains("$")) return null;
            String[] path = key.split("\\.", -1);
            Map<String, Object> node = tree;
            for (int i = 0; i < path.length; i++) {
                if (path[i].isEmpty()) return null;
                if (i == path.length - 1) {
                    node.put(path[i], null); // the whole field, whatever was asked below it
                    break;
                }
                if (node.containsKey(path[i]) && node.get(path[i]) == null) break; // already all of it
                @SuppressWarnings("unchecked")
                Map<String, Object> below = (Map<String, Object>) node.computeIfAbsent(path[i], k -> new LinkedHashMap<>());
                node = below;
            }
        }
        return new Exclusion(tree);
    }

    /** The documents without the excluded fields; what is left out is copied, the rest shared. */
    List<Document> apply(List<Document> documents) {
        List<Document> out = new ArrayList<>(documents.size());
        for (Document document : documents) out.add(without(document, tree));
        return out;
    }

    /** A copy of {@code document} without the tree's fields (only what changes is copied). */
    @SuppressWarnings("unchecked")
    private static Document without(Document document, Map<String, Object> tree) {
        Document copy = new Document(document);
        for (Map.Entry<String, Object> entry : tree.entrySet()) {
            String key = entry.getKey();
            if (entry.getValue() == null) {
                copy.remove(key);
                continue;
            }
            Map<String, Object> below = (Map<String, Object>) entry.getValue();
            Object value = copy.get(key);
            if (value instanceof Document sub) {
                copy.put(key, without(sub, below));
            } else if (value instanceof List<?> list) {
                List<Object> elements = new ArrayList<>(list.size());
                for (Object element : list) elements.add(element instanceof Document sub ? without(sub, below) : element);
                copy.put(key, elements);
            }
        }
        return copy;
    }
}
