package org.karavan.embeddeddb;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.DatabaseResolver;
import de.bwaldvogel.mongo.backend.QueryParameters;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.oplog.NoopOplog;
import de.bwaldvogel.mongo.oplog.Oplog;

/**
 * The database-level half of Karavan's indexes: {@code createIndexes} conflicts and
 * {@code dropIndexes} as MongoDB answers them, aggregations whose first stage is a {@code $match}
 * reading only its candidates, {@code explain} of a find ({@link Explain}), and the TTL monitor.
 */
final class Indexing {

    private Indexing() {
    }

    /** What {@link Indexing} needs of a database (the library keeps these protected). */
    interface IndexedDatabase<P> {
        MongoCollection<P> indexDescriptions();

        MongoCollection<P> collection(String name);

        void dropIndexOf(MongoCollection<P> collection, String indexName);

        String namespace(String collectionName);
    }

    private static final List<IndexedDatabase<?>> DATABASES = new CopyOnWriteArrayList<>();

    static void register(IndexedDatabase<?> database) {
        DATABASES.add(database);
    }

    static void unregister(IndexedDatabase<?> database) {
        DATABASES.remove(database);
    }

    /** The commands answered here (dropIndexes, indexed aggregations), or null for the library's answer. */
    static <P> Document handleCommand(IndexedDatabase<P> database, Object self, String command, Document query,
                                      DatabaseResolver resolver, Oplog oplog) {
        if (command.equalsIgnoreCase("dropIndexes") || command.equalsIgnoreCase("deleteIndexes")) {
            synchronized (self) {
                return dropIndexes(database, String.valueOf(query.get(command)), query.get("index"));
            }
        }
        if (command.equalsIgnoreCase("aggregate")) return aggregate(database, self, query, resolver, oplog);
        if (command.equalsIgnoreCase("explain") && query.get("explain") instanceof Document inner
            && inner.get("find") instanceof String name) {
            Object verbosity = query.get("verbosity");
            return Explain.find(database.collection(name), database.namespace(name), inner,
                verbosity instanceof String v ? v : "allPlansExecution");
        }
        return null;
    }

    // ----- createIndexes -----

    private static final Set<String> OPTIONS = Set.of("unique", "sparse", "expireAfterSeconds", "partialFilterExpression");

    private static Object option(Document description, String name) {
        Object value = description.get(name);
        if (value == null && (name.equals("unique") || name.equals("sparse"))) return Boolean.FALSE;
        if (value instanceof Number number && !name.equals("expireAfterSeconds")) return number.doubleValue() != 0;
        if (value instanceof Number number) return number.doubleValue();
        return value;
    }

    private static boolean sameOptions(Document a, Document b) {
        for (String name : OPTIONS) if (!Objects.equals(option(a, name), option(b, name))) return false;
        return true;
    }

    /** Keys in order, with directions normalised (1, 1.0 and 1L are the same). */
    private static boolean sameKeys(Document a, Document b) {
        if (a == null || b == null || a.size() != b.size()) return false;
        List<Map.Entry<String, Object>> x = new ArrayList<>(a.entrySet());
        List<Map.Entry<String, Object>> y = new ArrayList<>(b.entrySet());
        for (int i = 0; i < x.size(); i++) {
            if (!x.get(i).getKey().equals(y.get(i).getKey())) return false;
            Object vx = x.get(i).getValue();
            Object vy = y.get(i).getValue();
            if (vx instanceof Number nx && vy instanceof Number ny) {
                if (nx.doubleValue() != ny.doubleValue()) return false;
            } else if (!Objects.equals(vx, vy)) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when the same index already exists (then nothing is to be done, as in MongoDB); throws
     * MongoDB's errors when a different index has the same name (85/86) or the same keys (85).
     */
    static <P> boolean alreadyExists(IndexedDatabase<P> database, Document description) {
        Object ns = description.get("ns");
        Document key = (Document) description.get("key");
        String name = (String) description.get("name");
        MongoCollection<P> descriptions = database.indexDescriptions();
        if (descriptions == null) return false;
        for (Document existing : descriptions.handleQuery(new Document("ns", ns))) {
            Document existingKey = (Document) existing.get("key");
            if (Objects.equals(existing.get("name"), name)) {
                if (!sameKeys(existingKey, key)) {
                    throw new MongoServerError(86, "IndexKeySpecsConflict",
                        "An existing index has the same name as the requested index. When index names are not specified,"
                            + " they are auto generated and can cause conflicts. Please refer to our documentation."
                            + " Requested index: " + description.toString() + ", existing index: " + existing.toString());
                }
                if (!sameOptions(existing, description)) {
                    throw new MongoServerError(85, "IndexOptionsConflict",
                        "An equivalent index already exists with the same name but different options. Requested index: "
                            + description.toString() + ", existing index: " + existing.toString());
                }
                return true;
            }
            if (sameKeys(existingKey, key) && !"_id_".equals(existing.get("name"))) {
                throw new MongoServerError(85, "IndexOptionsConflict",
                    "Index already exists with a different name: " + existing.get("name"));
            }
        }
        return false;
    }

    // ----- dropIndexes -----

    static <P> Document dropIndexes(IndexedDatabase<P> database, String collectionName, Object index) {
        MongoCollection<P> collection = database.collection(collectionName);
        String ns = database.namespace(collectionName);
        if (collection == null) {
            throw new MongoServerError(26, "NamespaceNotFound", "ns not found " + ns);
        }
        MongoCollection<P> descriptions = database.indexDescriptions();
        List<Document> existing = new ArrayList<>();
        if (descriptions != null) for (Document d : descriptions.handleQuery(new Document("ns", ns))) existing.add(d);
        List<String> names = new ArrayList<>();
        if ("*".equals(index)) {
            for (Document d : existing) if (!"_id_".equals(d.get("name"))) names.add((String) d.get("name"));
        } else if (index instanceof String name) {
            names.add(name);
        } else if (index instanceof List<?> list) {
            for (Object o : list) names.add(String.valueOf(o));
        } else if (index instanceof Document key) {
            String found = null;
            for (Document d : existing) if (sameKeys((Document) d.get("key"), key)) found = (String) d.get("name");
            if (found == null) {
                throw new MongoServerError(27, "IndexNotFound", "can't find index with key: " + key.toString());
            }
            names.add(found);
        } else {
            throw new MongoServerError(2, "BadValue", "dropIndexes needs an index name, a key or \"*\"");
        }
        for (String name : names) {
            if (name.equals("_id_")) throw new MongoServerError(72, "InvalidOptions", "cannot drop _id index");
            boolean found = existing.stream().anyMatch(d -> name.equals(d.get("name")));
            if (!found) throw new MongoServerError(27, "IndexNotFound", "index not found with name [" + name + "]");
        }
        for (String name : names) {
            database.dropIndexOf(collection, name);
            descriptions.deleteDocuments(new Document("ns", ns).append("name", name), 1);
        }
        Document response = new Document("nIndexesWas", existing.size());
        response.put("ok", 1.0);
        return response;
    }

    // ----- aggregate -----

    /**
     * An aggregation whose first stage is a {@code $match} an index serves: the pipeline runs
     * (as the library runs it, $match included) on that match's candidates instead of on every
     * document. A following {@code $sort} and {@code $limit} are given to the query too. Returns
     * null when the library should run it as it is.
     */
    @SuppressWarnings("unchecked")
    /** Stages that build their output without changing their input documents. */
    private static final Set<String> INPUT_UNCHANGED = Set.of("$group", "$sort", "$limit", "$skip", "$count");

    static <P> Document aggregate(IndexedDatabase<P> database, Object self, Document query,
                                  DatabaseResolver resolver, Oplog oplog) {
        if (query.containsKey("let") || query.containsKey("explain")) return null;
        Object pipelineObject = query.get("pipeline");
        if (!(pipelineObject instanceof List<?> stages) || stages.isEmpty()) return null;
        if (!(stages.get(0) instanceof Document first) || first.size() != 1
            || !(first.get("$match") instanceof Document match)) {
            return null;
        }
        String collectionName = String.valueOf(query.get("aggregate"));
        MongoCollection<P> collection = database.collection(collectionName);
        if (!(collection instanceof Backends.Planned planned)) return null;
        Document counted = count(database, planned, collectionName, match, stages);
        if (counted != null) return counted;
        if (!planned.hasPlan(match)) return null;
        Document orderBy = null;
        int limit = 0;
        if (stages.size() > 2 && stages.get(1) instanceof Document s && s.size() == 1 && s.get("$sort") instanceof Document sort
            && stages.get(2) instanceof Document l && l.size() == 1 && l.get("$limit") instanceof Number n) {
            orderBy = sort;
            limit = n.intValue();
        }
        Document selector = new Document("$query", match);
        if (orderBy != null) selector.put("$orderby", orderBy);
        QueryParameters parameters = new QueryParameters(selector, 0, limit);
        MongoCollection<P> narrowed = (MongoCollection<P>) Proxy.newProxyInstance(
            Indexing.class.getClassLoader(), new Class<?>[] {MongoCollection.class}, (proxy, method, args) -> {
                if (method.getName().equals("queryAllAsStream") && (args == null || args.length == 0)) {
                    List<Document> documents = new ArrayList<>();
                    collection.handleQuery(parameters).forEach(documents::add);
                    return documents.stream();
                }
                if (method.getName().equals("queryAll") && (args == null || args.length == 0)) {
                    return collection.handleQuery(parameters);
                }
                try {
                    return method.invoke(collection, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
        // The narrowed collection yields exactly the documents the $match matches: the stage is
        // not run a second time over them.
        Aggregation aggregation = Aggregation.fromPipeline(new ArrayList<>(stages.subList(1, stages.size())), resolver,
            (de.bwaldvogel.mongo.MongoDatabase) self, narrowed, oplog);
        if (aggregation.isModifying()) return null;
        aggregation.validate(query);
        boolean readsOnly = true;
        for (Object stage : stages.subList(1, stages.size())) {
            readsOnly &= stage instanceof Document d && d.size() == 1 && INPUT_UNCHANGED.contains(d.keySet().iterator().next());
        }
        List<Document> result;
        if (readsOnly) Backends.READ_ONLY_USE.set(Boolean.TRUE);
        try {
            result = aggregation.computeResult();
        } finally {
            Backends.READ_ONLY_USE.remove();
        }
        Document cursor = new Document();
        cursor.put("id", 0L);
        cursor.put("ns", database.namespace(collectionName));
        cursor.put("firstBatch", result);
        Document response = new Document("cursor", cursor);
        response.put("ok", 1.0);
        return response;
    }

    /**
     * The driver's {@code countDocuments}: {@code [$match, ($skip), ($limit), $group {_id: 1, n: {$sum: 1}}]},
     * answered from an index alone when it counts the filter exactly (QueryPlanner.exactCount);
     * else null.
     */
    private static <P> Document count(IndexedDatabase<P> database, Backends.Planned planned, String collectionName,
                                      Document match, List<?> stages) {
        if (stages.size() < 2 || stages.size() > 4) return null;
        long skip = 0;
        long limit = -1;
        for (int i = 1; i < stages.size() - 1; i++) {
            if (!(stages.get(i) instanceof Document stage) || stage.size() != 1) return null;
            if (stage.get("$skip") instanceof Number n && limit < 0) skip = n.longValue();
            else if (stage.get("$limit") instanceof Number n) limit = n.longValue();
            else return null;
        }
        if (!(stages.get(stages.size() - 1) instanceof Document last) || last.size() != 1
            || !(last.get("$group") instanceof Document group) || group.size() != 2
            || !(group.get("_id") instanceof Number id) || id.intValue() != 1
            || !(group.get("n") instanceof Document sum) || sum.size() != 1
            || !(sum.get("$sum") instanceof Number one) || one.intValue() != 1) {
            return null;
        }
        int exact = planned.exactCount(match);
        if (exact < 0) return null;
        long n = Math.max(0, exact - skip);
        if (limit >= 0) n = Math.min(n, limit);
        List<Document> batch = new ArrayList<>();
        if (n > 0) {
            Document row = new Document("_id", 1);
            row.put("n", n <= Integer.MAX_VALUE ? (Object) (int) n : (Object) n);
            batch.add(row);
        }
        Document cursor = new Document();
        cursor.put("id", 0L);
        cursor.put("ns", database.namespace(collectionName));
        cursor.put("firstBatch", batch);
        Document response = new Document("cursor", cursor);
        response.put("ok", 1.0);
        return response;
    }

    // ----- TTL -----

    /** Deletes what every TTL index of every open database has expired; returns how many. */
    static int expireAll(Instant now) {
        int deleted = 0;
        for (IndexedDatabase<?> database : DATABASES) deleted += expire(database, now);
        return deleted;
    }

    private static <P> int expire(IndexedDatabase<P> database, Instant now) {
        List<Document> ttl = new ArrayList<>();
        MongoCollection<P> descriptions = database.indexDescriptions();
        if (descriptions == null) return 0;
        for (Document d : descriptions.handleQuery(new Document("expireAfterSeconds", new Document("$exists", true)))) {
            ttl.add(d);
        }
        int deleted = 0;
        for (Document d : ttl) {
            Document key = (Document) d.get("key");
            if (key == null || key.size() != 1 || !(d.get("expireAfterSeconds") instanceof Number seconds)) continue;
            String ns = String.valueOf(d.get("ns"));
            String dbPrefix = database.namespace("");
            if (!ns.startsWith(dbPrefix)) continue;
            MongoCollection<P> collection = database.collection(ns.substring(dbPrefix.length()));
            if (collection == null) continue;
            String field = key.keySet().iterator().next();
            long millis = (long) (seconds.doubleValue() * 1000);
            Instant cutoff = now.minusMillis(millis);
            // $lt on a date matches dates only (and an array by its earliest date), as MongoDB's TTL monitor.
            deleted += collection.deleteDocuments(new Document(field, new Document("$lt", cutoff)), 0, NoopOplog.get());
        }
        return deleted;
    }

    /** A daemon thread expiring TTL-indexed documents every {@code intervalMs}. */
    static Thread startTtlMonitor(long intervalMs) {
        Thread monitor = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(intervalMs);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    // Each delete takes the commit lock itself (Backends.beginChange).
                    expireAll(Instant.now());
                } catch (RuntimeException e) {
                    System.err.println("karavan-embedded-db: TTL sweep failed (retried next time): " + e);
                }
            }
        }, "karavan-db-ttl");
        monitor.setDaemon(true);
        monitor.start();
        return monitor;
    }
}
