package org.karavan.embeddeddb;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BiPredicate;
import java.util.function.Function;

import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;

/**
 * Chooses a secondary index for a query and returns its candidates, or null to scan.
 *
 * <p>An index serves a query when the filter names its first keys with an equality (a value,
 * {@code $eq} or {@code $in} of plain values) and optionally a range ({@code $gt/$gte/$lt/$lte})
 * on the next key; or when the sort is on its keys (after the keys fixed by equality) and a limit
 * is given, by walking the index in the sort's order until the limit is reached. The candidates are
 * a superset of the matches: the caller matches the whole filter on them, sorts, skips and limits
 * exactly as a scan does, and gets them in the collection's natural order, so the result is the
 * scan's result, the same documents in the same order. Anything else (null, arrays, documents or
 * regular expressions as values, {@code $or} alone, {@code $natural} sorts) is left to the scan.
 */
final class QueryPlanner {

    private QueryPlanner() {
    }

    /** Products of {@code $in} lists above this are left to a scan. */
    private static final int MAX_RANGES = 10_000;
    /** A filter plan with more candidates than this gives way to a sort walk when both apply. */
    private static final int WALK_PREFERRED_ABOVE = 1_000;
    /** ...or, when the walk narrows as much, with more candidates than this many pages of the query. */
    private static final int FEW_PAGES = 4;

    /** A field's condition that an index can serve: equality on values, or a range. */
    static final class Condition {
        final List<Object> values; // equality (one or more normalised values), or null for a range
        Object lower;
        boolean lowerExclusive;
        Object upper;
        boolean upperExclusive;

        Condition(List<Object> values) {
            this.values = values;
        }

        boolean isEquality() {
            return values != null;
        }
    }

    private static boolean isPlainValue(Object value) {
        if (value instanceof Double d) return !d.isNaN();
        if (value instanceof Float f) return !f.isNaN();
        return value instanceof Number || value instanceof String || value instanceof Boolean
            || value instanceof ObjectId || value instanceof Instant || value instanceof UUID;
    }

    private static Object normalize(Object value) {
        return new KeyValue(value).normalized().get(0);
    }

    static Condition conditionOf(Object value) {
        if (isPlainValue(value)) return new Condition(List.of(normalize(value)));
        if (!(value instanceof Document spec) || spec.isEmpty()) return null;
        for (String op : spec.keySet()) if (!op.startsWith("$")) return null; // an embedded document's equality
        if (spec.containsKey("$eq") && isPlainValue(spec.get("$eq"))) {
            return new Condition(List.of(normalize(spec.get("$eq"))));
        }
        if (spec.get("$in") instanceof List<?> list && !list.isEmpty()) {
            TreeSet<Object> values = new TreeSet<>(SecondaryIndex::compareValues);
            boolean plain = true;
            for (Object v : list) {
                if (!isPlainValue(v)) {
                    plain = false;
                    break;
                }
                values.add(normalize(v));
            }
            if (plain) return new Condition(new ArrayList<>(values));
        }
        Condition range = new Condition(null);
        for (String op : List.of("$gt", "$gte")) {
            if (spec.containsKey(op) && isPlainValue(spec.get(op))) {
                range.lower = normalize(spec.get(op));
                range.lowerExclusive = op.equals("$gt");
            }
        }
        for (String op : List.of("$lt", "$lte")) {
            if (spec.containsKey(op) && isPlainValue(spec.get(op))) {
                range.upper = normalize(spec.get(op));
                range.upperExclusive = op.equals("$lt");
            }
        }
        return range.lower != null || range.upper != null ? range : null;
    }

    /** The conditions of the filter's fields, including those inside a top-level {@code $and}. */
    static Map<String, Condition> conditions(Document query) {
        Map<String, Condition> conditions = new LinkedHashMap<>();
        collect(query, conditions);
        return conditions;
    }

    private static void collect(Document query, Map<String, Condition> conditions) {
        for (Map.Entry<String, Object> entry : query.entrySet()) {
            String key = entry.getKey();
            if (key.equals("$and") && entry.getValue() instanceof List<?> list) {
                for (Object part : list) if (part instanceof Document d) collect(d, conditions);
            } else if (!key.startsWith("$") && !conditions.containsKey(key)) {
                Condition condition = conditionOf(entry.getValue());
                if (condition != null) conditions.put(key, condition);
            }
        }
    }

    /** How one index would narrow the query: equality on its first {@code equal} keys, then maybe a range. */
    private record Shape<P>(SecondaryIndex<P> index, int equal, Condition range, long ranges) {
        int score() {
            return 2 * equal + (range != null ? 1 : 0);
        }
    }

    private static <P> Shape<P> shape(SecondaryIndex<P> index, Map<String, Condition> conditions) {
        List<IndexKey> keys = index.getKeys();
        int equal = 0;
        long ranges = 1;
        while (equal < keys.size()) {
            Condition c = conditions.get(keys.get(equal).getKey());
            if (c == null || !c.isEquality()) break;
            ranges *= c.values.size();
            if (ranges > MAX_RANGES) return null;
            equal++;
        }
        Condition range = null;
        if (equal < keys.size()) {
            Condition c = conditions.get(keys.get(equal).getKey());
            if (c != null && !c.isEquality()) range = c;
        }
        if (equal == 0 && range == null) return null;
        return new Shape<>(index, equal, range, ranges);
    }

    /** The [from, to] tree bounds of every key range the shape reads. */
    private static <P> List<Object[][]> bounds(Shape<P> shape, Map<String, Condition> conditions) {
        SecondaryIndex<P> index = shape.index();
        List<IndexKey> keys = index.getKeys();
        int n = keys.size();
        List<Object[]> prefixes = new ArrayList<>();
        prefixes.add(new Object[0]);
        for (int i = 0; i < shape.equal(); i++) {
            List<Object> values = conditions.get(keys.get(i).getKey()).values;
            List<Object[]> next = new ArrayList<>(prefixes.size() * values.size());
            for (Object[] prefix : prefixes) {
                for (Object v : values) {
                    Object[] longer = Arrays.copyOf(prefix, prefix.length + 1);
                    longer[prefix.length] = v;
                    next.add(longer);
                }
            }
            prefixes = next;
        }
        List<Object[][]> bounds = new ArrayList<>(prefixes.size());
        for (Object[] prefix : prefixes) {
            Object[] from = Arrays.copyOf(prefix, n);
            Object[] to = Arrays.copyOf(prefix, n);
            int i = prefix.length;
            if (i < n) {
                Object fillFrom = SecondaryIndex.LOW;
                Object fillTo = SecondaryIndex.HIGH;
                Condition r = shape.range();
                if (r != null) {
                    Object lower = r.lower;
                    boolean lowerEx = r.lowerExclusive;
                    Object upper = r.upper;
                    boolean upperEx = r.upperExclusive;
                    // An array field may match each bound with a different element: one bound only.
                    if (index.isMultikey(i) && lower != null && upper != null) upper = null;
                    if (lower == null) {
                        int rank = SecondaryIndex.rank(upper);
                        lower = rank < 0 ? null : new SecondaryIndex.Edge(rank, false);
                        lowerEx = false;
                    }
                    if (upper == null) {
                        int rank = SecondaryIndex.rank(lower);
                        upper = rank < 0 ? null : new SecondaryIndex.Edge(rank, true);
                        upperEx = false;
                    }
                    // In tree order a descending key reads from the upper value down.
                    boolean asc = index.isAscending(i);
                    Object first = asc ? lower : upper;
                    boolean firstEx = asc ? lowerEx : upperEx;
                    Object last = asc ? upper : lower;
                    boolean lastEx = asc ? upperEx : lowerEx;
                    from[i] = first == null ? SecondaryIndex.LOW : first;
                    to[i] = last == null ? SecondaryIndex.HIGH : last;
                    fillFrom = firstEx ? SecondaryIndex.HIGH : SecondaryIndex.LOW;
                    fillTo = lastEx ? SecondaryIndex.LOW : SecondaryIndex.HIGH;
                    i++;
                }
                for (; i < n; i++) {
                    from[i] = fillFrom;
                    to[i] = fillTo;
                }
            }
            bounds.add(new Object[][] {from, to});
        }
        return bounds;
    }

    /** The positions the shape reads, at most {@code cap} (then null), in natural order. */
    private static <P> List<P> positions(Shape<P> shape, Map<String, Condition> conditions, int cap) {
        Set<P> seen = new HashSet<>();
        List<P> positions = new ArrayList<>();
        // The tree bounds are inclusive: an entry equal to an exclusive bound (onHand > 0, and a
        // place's empty balances at 0) is no candidate. Not under a key that holds arrays, whose
        // elements may each meet one bound (its range is read with one bound only).
        Condition range = shape.range() != null && !shape.index().isMultikey(shape.equal()) ? shape.range() : null;
        for (Object[][] b : bounds(shape, conditions)) {
            for (Object[] entry : shape.index().range(b[0], b[1], false)) {
                if (range != null && excluded(entry[shape.equal()], range)) continue;
                P p = shape.index().positionOf(entry);
                if (seen.add(p)) {
                    positions.add(p);
                    if (cap > 0 && positions.size() > cap) return null;
                }
            }
        }
        positions.sort(shape.index().naturalOrder());
        return positions;
    }

    /** True when an index value is equal to an exclusive bound of the range. */
    private static boolean excluded(Object value, Condition range) {
        return (range.lower != null && range.lowerExclusive && SecondaryIndex.compareValues(value, range.lower) == 0)
            || (range.upper != null && range.upperExclusive && SecondaryIndex.compareValues(value, range.upper) == 0);
    }

    /** A walk in sort order: the index, how many leading keys are fixed by equality, and the direction. */
    private record Walk<P>(SecondaryIndex<P> index, int equal, int sortKeys, boolean reverse) {
        /** True when the walk also bounds the key after the fixed ones by the filter's range on it. */
        boolean bounded(Map<String, Condition> conditions) {
            if (equal >= index.getKeys().size() || index.isMultikey(equal)) return false;
            Condition r = conditions.get(index.getKeys().get(equal).getKey());
            return r != null && !r.isEquality();
        }

        /** Narrowing on the scale of {@link Shape#score}: two per fixed key, one for the range. */
        int score(Map<String, Condition> conditions) {
            return 2 * equal + (bounded(conditions) ? 1 : 0);
        }
    }

    private static <P> Walk<P> walk(SecondaryIndex<P> index, Map<String, Condition> conditions, Document orderBy) {
        if (index.sparse()) return null; // documents without the keys are not in it
        List<IndexKey> keys = index.getKeys();
        int equal = 0;
        while (equal < keys.size()) {
            Condition c = conditions.get(keys.get(equal).getKey());
            if (c == null || !c.isEquality() || c.values.size() != 1) break;
            equal++;
        }
        List<String> sortKeys = new ArrayList<>(orderBy.keySet());
        if (equal + sortKeys.size() > keys.size()) return null;
        Boolean reverse = null;
        for (int j = 0; j < sortKeys.size(); j++) {
            IndexKey key = keys.get(equal + j);
            if (!key.getKey().equals(sortKeys.get(j)) || index.isMultikey(equal + j)) return null;
            if (!(orderBy.get(sortKeys.get(j)) instanceof Number direction)) return null;
            boolean asc = direction.doubleValue() > 0;
            boolean rev = asc != key.isAscending();
            if (reverse == null) reverse = rev;
            else if (reverse != rev) return null;
        }
        return new Walk<>(index, equal, sortKeys.size(), reverse);
    }

    private static <P> List<P> runWalk(Walk<P> walk, Map<String, Condition> conditions, Document query, int needed,
                                       Function<P, Document> fetch, BiPredicate<Document, Document> matches) {
        SecondaryIndex<P> index = walk.index();
        List<IndexKey> keys = index.getKeys();
        int n = keys.size();
        Object[] from = new Object[n];
        Object[] to = new Object[n];
        for (int i = 0; i < walk.equal(); i++) {
            from[i] = to[i] = conditions.get(keys.get(i).getKey()).values.get(0);
        }
        int i = walk.equal();
        Object fillFrom = SecondaryIndex.LOW;
        Object fillTo = SecondaryIndex.HIGH;
        if (walk.bounded(conditions)) {
            Shape<P> one = new Shape<>(index, walk.equal(), conditions.get(keys.get(i).getKey()), 1);
            Map<String, Condition> fixed = new LinkedHashMap<>(conditions);
            Object[][] b = bounds(one, fixed).get(0);
            from = b[0];
            to = b[1];
            i = n;
        }
        for (; i < n; i++) {
            from[i] = fillFrom;
            to[i] = fillTo;
        }
        Iterable<Object[]> range = index.range(from, to, walk.reverse());
        Set<P> seen = new HashSet<>();
        List<P> collected = new ArrayList<>();
        int matched = 0;
        Object[] boundary = null;
        int first = walk.equal();
        int last = walk.equal() + walk.sortKeys();
        for (Object[] key : range) {
            if (boundary != null) {
                boolean same = true;
                for (int k = first; k < last && same; k++) same = SecondaryIndex.compareValues(key[k], boundary[k]) == 0;
                if (!same) break;
            }
            P p = index.positionOf(key);
            if (seen.add(p)) {
                Document document = fetch.apply(p);
                if (document != null && matches.test(document, query)) {
                    collected.add(p);
                    matched++;
                }
            }
            if (boundary == null && matched >= needed) boundary = key;
        }
        collected.sort(index.naturalOrder());
        return collected;
    }

    private static final Set<String> RANGE_OPERATORS = Set.of("$gt", "$gte", "$lt", "$lte");

    /**
     * True when an index answers this condition exactly as MongoDB matches it: a plain value,
     * {@code $eq} of one or {@code $in} of plain values, or a range of plain values of one type
     * (at most one lower and one upper bound).
     */
    private static boolean isExact(Object value) {
        if (isPlainValue(value)) return true;
        if (!(value instanceof Document spec) || spec.isEmpty()) return false;
        if (spec.size() == 1 && spec.containsKey("$eq")) return isPlainValue(spec.get("$eq"));
        if (spec.size() == 1 && spec.get("$in") instanceof List<?> list) {
            if (list.isEmpty()) return false;
            for (Object v : list) if (!isPlainValue(v)) return false;
            return true;
        }
        int ranks = -1;
        for (Map.Entry<String, Object> op : spec.entrySet()) {
            if (!RANGE_OPERATORS.contains(op.getKey()) || !isPlainValue(op.getValue())) return false;
            int rank = SecondaryIndex.rank(normalize(op.getValue()));
            if (rank < 0 || (ranks >= 0 && rank != ranks)) return false;
            ranks = rank;
        }
        return !(spec.containsKey("$gt") && spec.containsKey("$gte")) && !(spec.containsKey("$lt") && spec.containsKey("$lte"));
    }

    /**
     * How many documents match the filter, read from one index alone without fetching a document,
     * or -1. Only when every field of the filter is a condition the index answers exactly
     * ({@link #isExact}): equality on its leading keys, then at most a range on the next key, on
     * keys under which no array was indexed (so each matching document is one position).
     */
    static <P> int exactCount(List<Index<P>> indexes, Document query) {
        if (query.isEmpty()) return -1;
        for (Map.Entry<String, Object> entry : query.entrySet()) {
            if (entry.getKey().startsWith("$") || !isExact(entry.getValue())) return -1;
        }
        Map<String, Condition> conditions = conditions(query);
        if (conditions.size() != query.size()) return -1;
        for (Index<P> index : indexes) {
            if (!(index instanceof SecondaryIndex<P> secondary) || !secondary.isBuilt() || secondary.sparse()) continue;
            Shape<P> shape = shape(secondary, conditions);
            if (shape == null) continue;
            int used = shape.equal() + (shape.range() != null ? 1 : 0);
            if (used != conditions.size()) continue;
            boolean multikey = false;
            for (int i = 0; i < used; i++) multikey |= secondary.isMultikey(i);
            if (multikey) continue;
            // The tree bounds are inclusive (a superset for queries, which match every candidate):
            // entries equal to an exclusive bound of the range are left out here.
            Condition range = shape.range();
            int count = 0;
            for (Object[][] b : bounds(shape, conditions)) {
                for (Object[] entry : secondary.range(b[0], b[1], false)) {
                    if (range == null || !excluded(entry[shape.equal()], range)) count++;
                }
            }
            return count;
        }
        return -1;
    }

    /** True when a secondary index narrows the filter (without a sort). */
    static <P> boolean narrows(List<Index<P>> indexes, Document query) {
        Map<String, Condition> conditions = conditions(query);
        for (Index<P> index : indexes) {
            if (index instanceof SecondaryIndex<P> secondary && secondary.isBuilt() && shape(secondary, conditions) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * The candidates for the query (in natural order), or null when no secondary index serves it.
     * With a sort and a limit, an index on the sort's keys may give only the first matches in sort
     * order (with every tie at the boundary): the caller's sort, skip and limit then give the
     * scan's result.
     */
    static <P> List<P> candidates(List<Index<P>> indexes, Document query, Document orderBy, int skip, int limit,
                                  Function<P, Document> fetch, BiPredicate<Document, Document> matches) {
        Map<String, Condition> conditions = conditions(query);
        Shape<P> best = null;
        List<Shape<P>> shapes = new ArrayList<>();
        for (Index<P> index : indexes) {
            if (!(index instanceof SecondaryIndex<P> secondary) || !secondary.isBuilt()) continue;
            Shape<P> shape = shape(secondary, conditions);
            if (shape == null) continue;
            shapes.add(shape);
            if (best == null || shape.score() > best.score()) best = shape;
        }
        boolean sorted = orderBy != null && !orderBy.isEmpty() && !orderBy.containsKey("$natural") && limit > 0;
        Walk<P> walk = null;
        if (sorted) {
            for (Index<P> index : indexes) {
                if (!(index instanceof SecondaryIndex<P> secondary) || !secondary.isBuilt()) continue;
                Walk<P> w = walk(secondary, conditions, orderBy);
                if (w != null && (walk == null || w.equal() > walk.equal())) walk = w;
            }
        }
        if (walk != null) {
            int walkScore = walk.score(conditions);
            if (best != null && walkScore < best.score()) {
                List<P> filtered = positions(best, conditions, WALK_PREFERRED_ABOVE);
                if (filtered != null) {
                    Explain.usedIndex(best.index().getName());
                    return filtered;
                }
            } else {
                // The walk narrows as much as any filter plan (it fixes as many keys and bounds
                // the next one) and stops once the page is full; a filter plan reads all its
                // matches and sorts them. A filter plan of another index that scores as high still
                // wins when it holds only a few pages of candidates (counted in its index, no
                // document read): the walk would pass over every document that fails the rest of
                // the filter. E.g. a place's stock, onHand > 0, in expiry order: the walk where
                // most balances hold stock, {locationId, onHand} where most are empty.
                int cap = FEW_PAGES * Math.max(1, skip + limit);
                for (Shape<P> other : shapes) {
                    if (other.index() == walk.index() || other.score() < walkScore) continue;
                    List<P> few = positions(other, conditions, cap);
                    if (few != null) {
                        Explain.usedIndex(other.index().getName());
                        return few;
                    }
                }
            }
            Explain.usedIndex(walk.index().getName());
            return runWalk(walk, conditions, query, skip + limit, fetch, matches);
        }
        if (best == null) return null;
        Explain.usedIndex(best.index().getName());
        return positions(best, conditions, 0);
    }
}
