package org.karavan.embeddeddb;

import java.util.HashSet;
import java.util.Set;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.QueryParameters;
import de.bwaldvogel.mongo.bson.Document;

/**
 * {@code explain} of a {@code find}, in MongoDB's shape and in its terms, so that a test can hold a
 * query to the plan it must get on both databases: which index it read ({@code IXSCAN} with
 * {@code indexName}, or {@code COLLSCAN}), how many documents it returned ({@code nReturned}) and
 * how many distinct documents it fetched to find them ({@code totalDocsExamined}). The query runs
 * as a find runs, once, on the calling thread; what it did is recorded on that thread only.
 */
final class Explain {

    private static final ThreadLocal<Explain> CURRENT = new ThreadLocal<>();

    private String stage = "COLLSCAN";
    private String indexName;
    private final Set<Object> examined = new HashSet<>();

    /** A document fetched at this position (the planner's walk and the match after it). */
    static void examined(Object position) {
        Explain explain = CURRENT.get();
        if (explain != null) explain.examined.add(position);
    }

    /** The query read this index (a unique one's lookup, or a secondary index's plan). */
    static void usedIndex(String name) {
        Explain explain = CURRENT.get();
        if (explain != null) {
            explain.stage = "IXSCAN";
            explain.indexName = name;
        }
    }

    /** Runs the explained {@code find} on the collection and answers as MongoDB's explain does. */
    static Document find(MongoCollection<?> collection, String namespace, Document find, String verbosity) {
        Document filter = find.get("filter") instanceof Document f ? f : new Document();
        Document selector = new Document("$query", filter);
        if (find.get("sort") instanceof Document sort && !sort.isEmpty()) selector.put("$orderby", sort);
        int skip = find.get("skip") instanceof Number n ? n.intValue() : 0;
        int limit = find.get("limit") instanceof Number n ? Math.abs(n.intValue()) : 0;
        Explain explain = new Explain();
        int returned = 0;
        int docsExamined = 0;
        if (collection == null) {
            explain.stage = "EOF"; // no such collection: nothing to read, as MongoDB says
        } else {
            CURRENT.set(explain);
            try {
                for (Document ignored : collection.handleQuery(new QueryParameters(selector, skip, limit))) returned++;
            } finally {
                CURRENT.remove();
            }
            // A scan reads the documents without fetching them by position: it examined them all.
            docsExamined = explain.indexName == null ? collection.count() : explain.examined.size();
        }
        Document scan = new Document("stage", explain.stage);
        if (explain.indexName != null) scan.put("indexName", explain.indexName);
        Document winningPlan = explain.indexName == null ? scan : new Document("stage", "FETCH").append("inputStage", scan);
        Document queryPlanner = new Document("namespace", namespace).append("winningPlan", winningPlan);
        Document answer = new Document("queryPlanner", queryPlanner);
        if (!"queryPlanner".equals(verbosity)) {
            answer.put("executionStats", new Document("executionSuccess", true)
                .append("nReturned", returned)
                .append("totalDocsExamined", docsExamined));
        }
        answer.put("ok", 1.0);
        return answer;
    }

    private Explain() {
    }
}
