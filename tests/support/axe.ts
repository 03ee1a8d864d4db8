import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

async function axeFindings(page: Page, exclude: string[]): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  for (const selector of exclude) builder.exclude(selector);
  const result = await builder.analyze();
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.nodes
          .map((node) => `${node.target.join(' ')}${process.env.AXE_DEBUG ? ` ${node.failureSummary}` : ''}`)
          .join(', ')}`,
    );
}

/**
 * axe-core's serious and critical findings on the settled page. A notice that is still fading in
 * has its colours mixed with the background, so findings are confirmed once the page's
 * transitions are over; what persists is reported. `exclude`: selectors axe should not judge.
 */
export async function seriousViolations(page: Page, exclude: string[] = []): Promise<string[]> {
  const first = await axeFindings(page, exclude);
  if (first.length === 0) return first;
  await page.waitForTimeout(1_000);
  return axeFindings(page, exclude);
}
