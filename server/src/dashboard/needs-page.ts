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
