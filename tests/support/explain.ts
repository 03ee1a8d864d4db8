/**
 * The names of the indexes an explained plan reads (`find(...).explain()`), wherever MongoDB's
 * shape of plan puts them (`winningPlan.inputStage...`, or `queryPlan` under the slot-based
 * engine); the rejected plans are left out. Empty for a plan that reads the whole collection.
 */
export function indexNames(plan: unknown): string[] {
  if (Array.isArray(plan)) return plan.flatMap(indexNames);
  if (plan === null || typeof plan !== 'object') return [];
  const { indexName, rejectedPlans: _rejected, ...rest } = plan as Record<string, unknown>;
  return [...(typeof indexName === 'string' ? [indexName] : []), ...Object.values(rest).flatMap(indexNames)];
}
