import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import type { Locale, PublicCampaignDto } from '@karavan/shared';
import { channelFacts } from './channel-text';

/*
 * The cards a drive's channel posts (issue 20): a 1080×1080 square for Telegram and Instagram and
 * a 1200×630 Open Graph image for link previews, drawn on the server in DejaVu Sans from the
 * `dejavu-fonts-ttf` npm package (Cyrillic with the Kazakh and Kyrgyz letters), so a card looks
 * the same everywhere and nothing is fetched at run time.
 */

const FAMILY = 'Karavan DejaVu Sans';
let registered = false;
function registerFonts(): void {
  if (registered) return;
  GlobalFonts.registerFromPath(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), FAMILY);
  GlobalFonts.registerFromPath(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'), FAMILY);
  registered = true;
}

export type CardKind = 'square' | 'og';
export const CARD_SIZES: Record<CardKind, { width: number; height: number }> = {
  square: { width: 1080, height: 1080 },
  og: { width: 1200, height: 630 },
};

const INK = '#1d2530';
const BLUE = '#1f4e79';
const RED = '#8a1c12';
const GREEN = '#1a5e20';
const MUTED = '#4a5565';

/** `text` cut to fit `width` with an ellipsis. */
function ellipsized(ctx: SKRSContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let cut = text;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/** Words wrapped to `width`, at most `lines` lines (the last one cut with an ellipsis). */
function wrap(ctx: SKRSContext2D, text: string, width: number, lines: number): string[] {
  const out: string[] = [];
  let line = '';
  const words = text.split(/\s+/);
  for (let i = 0; i < words.length; i += 1) {
    const next = line ? `${line} ${words[i]}` : words[i]!;
    if (ctx.measureText(next).width <= width || !line) {
      line = next;
      continue;
    }
    out.push(line);
    line = words[i]!;
    if (out.length === lines - 1) {
      line = words.slice(i).join(' ');
      break;
    }
  }
  if (line) out.push(ellipsized(ctx, line, width));
  return out.slice(0, lines);
}

/** Draws the board's card in `lang`; `link` (the board's address) is printed at the bottom when known. */
export function renderCard(
  board: PublicCampaignDto,
  lang: Locale,
  kind: CardKind,
  link: string | null,
  now = new Date(),
): Buffer {
  registerFonts();
  const { width, height } = CARD_SIZES[kind];
  const square = kind === 'square';
  const facts = channelFacts(board, lang, now);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const pad = square ? 60 : 48;
  const inner = width - 2 * pad;
  const font = (size: number, bold = false) => `${bold ? 'bold ' : ''}${size}px "${FAMILY}"`;

  ctx.fillStyle = '#f6f8fa';
  ctx.fillRect(0, 0, width, height);
  // Title band.
  ctx.fillStyle = BLUE;
  const band = square ? 190 : 130;
  ctx.fillRect(0, 0, width, band);
  ctx.fillStyle = '#ffffff';
  ctx.textBaseline = 'top';
  ctx.font = font(square ? 58 : 48, true);
  const title = wrap(ctx, facts.title, inner, 2);
  const titleSize = square ? 58 : 48;
  const titleTop = (band - title.length * titleSize * 1.15) / 2;
  title.forEach((line, i) => ctx.fillText(line, pad, titleTop + i * titleSize * 1.15));

  let y = band + (square ? 36 : 24);
  // "Enough" first and loudest.
  if (facts.enough.length > 0) {
    const size = square ? 40 : 32;
    ctx.font = font(size, true);
    const text = `${facts.words.enoughTitle}: ${facts.enough.join(', ')}`;
    const lines = wrap(ctx, text, inner - 40, 2);
    const boxHeight = lines.length * size * 1.2 + 28;
    ctx.fillStyle = RED;
    ctx.fillRect(pad, y, inner, boxHeight);
    ctx.fillStyle = '#ffffff';
    lines.forEach((line, i) => ctx.fillText(line, pad + 20, y + 14 + i * size * 1.2));
    y += boxHeight + (square ? 28 : 18);
  }
  if (facts.mostNeeded) {
    ctx.font = font(square ? 36 : 30, true);
    ctx.fillStyle = RED;
    ctx.fillText(ellipsized(ctx, `${facts.words.mostNeeded}: ${facts.mostNeeded}`, inner), pad, y);
    y += square ? 60 : 46;
  }

  // Progress per item.
  const footer = square ? 150 : 70;
  const pointsBlock = square ? Math.min(2, facts.points.length) * 78 + (facts.points.length > 0 ? 56 : 0) : 0;
  const rowHeight = square ? 118 : 84;
  const room = Math.max(1, Math.floor((height - footer - pointsBlock - y) / rowHeight));
  for (const need of facts.needs.slice(0, room)) {
    ctx.font = font(square ? 36 : 28, true);
    // The headline (what is needed) whole; the name takes what is left.
    const headline = ellipsized(ctx, need.headline, inner * 0.62);
    const headlineWidth = ctx.measureText(headline).width;
    ctx.fillStyle = INK;
    ctx.fillText(ellipsized(ctx, need.name, inner - headlineWidth - 24), pad, y);
    ctx.fillStyle = need.enough ? RED : need.needed > 0 ? RED : GREEN;
    ctx.fillText(headline, pad + inner - headlineWidth, y);
    const barY = y + (square ? 48 : 38);
    const barHeight = square ? 18 : 14;
    ctx.fillStyle = '#d0d7de';
    ctx.fillRect(pad, barY, inner, barHeight);
    ctx.fillStyle = need.enough ? RED : BLUE;
    ctx.fillRect(pad, barY, Math.round(inner * need.share), barHeight);
    if (square) {
      ctx.font = font(26);
      ctx.fillStyle = MUTED;
      ctx.fillText(ellipsized(ctx, `${need.percent}% · ${need.figures}`, inner), pad, barY + 26);
    }
    y += rowHeight;
  }

  // Where to bring it (the square card).
  if (square && facts.points.length > 0) {
    y = height - footer - pointsBlock + 10;
    ctx.font = font(32, true);
    ctx.fillStyle = BLUE;
    ctx.fillText(facts.words.where, pad, y);
    y += 50;
    for (const point of facts.points.slice(0, 2)) {
      ctx.font = font(28, true);
      ctx.fillStyle = INK;
      ctx.fillText(ellipsized(ctx, [point.name, point.address].filter(Boolean).join(', '), inner), pad, y);
      if (point.hours) {
        ctx.font = font(26);
        ctx.fillStyle = MUTED;
        ctx.fillText(ellipsized(ctx, point.hours, inner), pad, y + 36);
      }
      y += 78;
    }
  }

  // The date and time, and the link.
  ctx.font = font(square ? 28 : 24);
  ctx.fillStyle = MUTED;
  const bottom = height - (square ? 60 : 40);
  ctx.fillText(ellipsized(ctx, facts.words.asOf(facts.asOf), inner), pad, bottom - (link && square ? 40 : 0));
  if (link && square) {
    ctx.fillStyle = BLUE;
    ctx.font = font(24, true);
    ctx.fillText(ellipsized(ctx, link, inner), pad, bottom);
  }
  return canvas.toBuffer('image/png');
}
