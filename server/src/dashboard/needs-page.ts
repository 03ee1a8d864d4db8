import { localize, type Locale, type PublicCampaignDto } from '@karavan/shared';
import { channelFacts } from './channel-text';

/** Escapes text for an HTML attribute or element. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * index.html for `/needs/<id>`: its `<title>` and Open Graph / Twitter tags name the campaign,
 * so a shared link shows a proper preview in messengers (which do not run the app). `og:url` only
 * from PUBLIC_URL (`url` null: the tag is left out), never from the request's Host header.
 */
export function needsPageHtml(
  indexHtml: string,
  campaign: { name: string; description: string | null },
  url: string | null,
  /** The board's Open Graph card (absolute, from PUBLIC_URL), or null. */
  image: string | null = null,
): string {
  const title = escapeHtml(`${campaign.name} — Karavan`);
  const description = escapeHtml(
    (campaign.description ?? '').slice(0, 200) || `Что нужно собрать: ${campaign.name}. Пункты сбора и часы работы.`,
  );
  const tags = [
    `<meta name="description" content="${description}">`,
    `<meta property="og:type" content="website">`,
    `<meta property="og:title" content="${title}">`,
    `<meta property="og:description" content="${description}">`,
    ...(url ? [`<meta property="og:url" content="${escapeHtml(url)}">`] : []),
    ...(image
      ? [
          `<meta property="og:image" content="${escapeHtml(image)}">`,
          `<meta property="og:image:width" content="1200">`,
          `<meta property="og:image:height" content="630">`,
        ]
      : []),
    `<meta name="twitter:card" content="${image ? 'summary_large_image' : 'summary'}">`,
    `<meta name="twitter:title" content="${title}">`,
    `<meta name="twitter:description" content="${description}">`,
  ].join('\n    ');
  const withoutOld = indexHtml
    .replace(/<title>[\s\S]*?<\/title>/i, '')
    .replace(/<meta\s+name="description"[^>]*>/i, '');
  return withoutOld.replace(/<\/head>/i, `    <title>${title}</title>\n    ${tags}\n  </head>`);
}

/**
 * The board as plain HTML inside `#root`, in place of the loading screen: on a slow link (3G, a
 * first visit from a channel post) a donor reads what is needed, what is enough and where to
 * bring it with the first answer, before the app's files arrive; the app then replaces it.
 * The same facts, words and order as the channel text and cards (channel-text.ts).
 */
export function needsBoardHtml(board: PublicCampaignDto, lang: Locale, now = new Date()): string {
  const facts = channelFacts(board, lang, now);
  const { words } = facts;
  const e = escapeHtml;
  const needs = facts.needs
    .map((need) => {
      const state = need.enough ? 'enough' : need.needed > 0 ? 'open' : 'done';
      return (
        `<li class="board-static-need board-static-${state}"><strong>${e(need.name)}</strong> — ${e(need.headline)}` +
        `<span class="board-static-bar" aria-hidden="true"><span style="width:${need.percent}%"></span></span>` +
        `<small>${need.percent}% · ${e(need.figures)}</small></li>`
      );
    })
    .join('');
  const points = facts.points
    .map(
      (point) =>
        `<li><strong>${e(point.name)}</strong>${point.address ? `, ${e(point.address)}` : ''}` +
        (point.hours ? `<br>${e(point.hours)}` : '') +
        (point.map ? `<br><a href="${e(point.map)}" rel="noopener">${e(words.map)}</a>` : '') +
        '</li>',
    )
    .join('');
  return [
    `<main class="board-static" lang="${lang}" data-server-lang="${lang}" data-testid="board-static">`,
    `<h1>${e(facts.title)}</h1>`,
    facts.enough.length > 0
      ? `<p class="board-static-stop">⛔ ${e(words.enoughTitle)}: ${e(facts.enough.join(', '))}</p>`
      : '',
    facts.mostNeeded ? `<p>${e(words.mostNeeded)}: <strong>${e(facts.mostNeeded)}</strong></p>` : '',
    `<ul>${needs}</ul>`,
    board.description ? `<p>${e(localize(board.description, lang))}</p>` : '',
    points ? `<h2>${e(words.where)}</h2><ul>${points}</ul>` : '',
    `<p><small>${e(words.asOf(facts.asOf))}</small></p>`,
    `<p class="board-static-wait" role="status">${e(words.loading)}</p>`,
    '</main>',
  ].join('');
}

/**
 * The board's data for the app, after `#root` (`<script type="application/json">`: a data block,
 * never run, so the CSP allows it): the app shows it at once instead of asking for it again, a
 * round trip less on 3G. `<` is escaped so no text in it can close the element.
 */
export function boardDataScript(board: PublicCampaignDto): string {
  const json = JSON.stringify(board).replace(/</g, '\\u003c');
  return `<script type="application/json" id="board-data">${json}</script>`;
}

/** Puts `content` in `#root` (the last element of the body) in place of the loading screen, and `after` after it. */
export function withRootContent(indexHtml: string, content: string, after = ''): string {
  return indexHtml.replace(/<div id="root">[\s\S]*<\/body>/i, `<div id="root">${content}</div>${after}\n  </body>`);
}
