// The public offer page as HTML: mobile-first, no JavaScript, printable, accessible. Pure: data in, text out.
import { wordsFor } from './i18n';
import type { OfferLineRow, OfferRow } from './model';
import { formatMoney, formatPercent } from './rules';

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** WCAG relative luminance of #rrggbb. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** White or near-black text on a colour, whichever contrasts more (WCAG AA needs 4.5:1 for text). */
export function textOn(background: string): string {
  return contrast(background, '#ffffff') >= contrast(background, '#111111') ? '#ffffff' : '#111111';
}

export interface Brand {
  company: string;
  brandColor: string;
  accentColor: string;
}

function layout(lang: string, title: string, brand: Brand, body: string): string {
  const onBrand = textOn(brand.brandColor);
  const onAccent = textOn(brand.accentColor);
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · ${escapeHtml(brand.company)}</title>
<style>
:root { --brand: ${brand.brandColor}; --on-brand: ${onBrand}; --accent: ${brand.accentColor}; --on-accent: ${onAccent}; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #111; background: #f6f7f9; }
header { background: var(--brand); color: var(--on-brand); padding: 1rem; }
header p { margin: 0; font-weight: 600; font-size: 1.1rem; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem; background: #fff; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
dl.meta { display: grid; grid-template-columns: auto 1fr; gap: .25rem 1rem; margin: 0 0 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.lines { width: 100%; border-collapse: collapse; margin: 1rem 0; }
.lines caption { text-align: left; font-weight: 600; padding-bottom: .25rem; }
.lines th, .lines td { padding: .4rem .3rem; border-bottom: 1px solid #d0d4da; text-align: left; vertical-align: top; }
.lines td.num, .lines th.num { text-align: right; white-space: nowrap; }
.totals { margin-left: auto; min-width: 16rem; border-collapse: collapse; }
.totals th { text-align: left; font-weight: normal; padding: .2rem 1rem .2rem 0; }
.totals td { text-align: right; white-space: nowrap; }
.totals tr.gross th, .totals tr.gross td { font-weight: 700; border-top: 2px solid #111; }
.text { white-space: pre-wrap; }
.small { color: #444; font-size: .9rem; }
form { display: inline; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1.5rem 0 .5rem; }
button, .button { font: inherit; font-weight: 600; padding: .75rem 1.25rem; border-radius: .4rem; border: 2px solid var(--accent); cursor: pointer; min-height: 44px; text-decoration: none; display: inline-block; }
button.accept { background: var(--accent); color: var(--on-accent); }
button.decline, .button { background: #fff; color: #111; border-color: #555; }
button:focus-visible, a:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
a { color: #0b4f9c; }
.notice { border-left: 6px solid var(--accent); background: #eef6f1; padding: .75rem 1rem; margin: 1rem 0; }
@media (max-width: 36rem) {
  .lines thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .lines tr { display: block; border-bottom: 1px solid #d0d4da; padding: .4rem 0; }
  .lines td { display: flex; justify-content: space-between; border: 0; padding: .1rem 0; gap: 1rem; }
  .lines td::before { content: attr(data-label); font-weight: 600; }
  .lines td.num { text-align: right; }
}
@media print {
  body { background: #fff; }
  header { background: none; color: #111; border-bottom: 2px solid #111; }
  .actions, .no-print { display: none; }
  main { max-width: none; padding: 0; }
}
</style>
</head>
<body>
<header><p>${escapeHtml(brand.company)}</p></header>
<main id="main">
${body}
</main>
</body>
</html>`;
}

/** A page for a link that shows nothing of the offer: unknown, revoked, expired, replaced, failed. */
export function noticePage(
  locale: string,
  kind: 'UNKNOWN' | 'REVOKED' | 'EXPIRED' | 'REPLACED' | 'FAILED',
  brand: Brand,
  newLink: string | null = null,
): string {
  const w = wordsFor(locale);
  const [title, text] = {
    UNKNOWN: [w.unknownTitle, w.unknown],
    REVOKED: [w.revokedTitle, w.revoked],
    EXPIRED: [w.expiredTitle, w.expired],
    REPLACED: [w.replacedTitle, w.replaced],
    FAILED: [w.failedTitle, w.failed],
  }[kind];
  const more = newLink
    ? `<p><a class="button" href="${escapeHtml(newLink)}">${escapeHtml(w.openNew)}</a></p>`
    : '';
  return layout(locale, title, brand, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(text)}</p>\n${more}`);
}

export interface OfferView {
  offer: OfferRow;
  lines: OfferLineRow[];
  recipient: string;
  owner: string;
  /** The link's path (/o/<token>), for the forms and the PDF. */
  path: string;
  formToken: string;
  orderId: number | null;
  /** An accepted offer waiting for its electronic signature: the signer's link at the provider, when it gave one. */
  signature?: { pending: boolean; url: string | null } | null;
}

export function offerPage(v: OfferView, brand: Brand): string {
  const o = v.offer;
  const w = wordsFor(o.locale);
  const money = (n: number) => escapeHtml(formatMoney(n, o.currency, o.locale));
  const rows = v.lines
    .map(
      (l) => `<tr>
<td data-label="${escapeHtml(w.product)}"><span>${escapeHtml(l.name)} <span class="small">(${escapeHtml(l.sku)})</span></span></td>
<td class="num" data-label="${escapeHtml(w.quantity)}">${l.quantity}</td>
<td class="num" data-label="${escapeHtml(w.unitPrice)}">${money(l.unit_price)}</td>
<td class="num" data-label="${escapeHtml(w.discount)}">${l.discount_bp ? escapeHtml(formatPercent(l.discount_bp, o.locale)) : '–'}</td>
<td class="num" data-label="${escapeHtml(w.lineTotal)}">${money(l.line_net)}</td>
</tr>`,
    )
    .join('\n');
  let status = '';
  if (o.status === 'ACCEPTED' && v.signature?.pending) {
    const safeUrl = v.signature.url && /^https:\/\//.test(v.signature.url) ? v.signature.url : null;
    status = `<p class="notice" role="status">${escapeHtml(w.accepted)} ${escapeHtml(w.signPending)}${
      safeUrl
        ? ` <a href="${escapeHtml(safeUrl)}" rel="noopener noreferrer">${escapeHtml(w.signNow)}</a>`
        : ''
    }</p>`;
  } else if (o.status === 'ACCEPTED' || o.status === 'SIGNED')
    status = `<p class="notice" role="status">${escapeHtml(o.status === 'SIGNED' ? w.signed : w.accepted)}${v.orderId ? ` ${escapeHtml(w.acceptedOrder(String(v.orderId)))}` : ''}</p>`;
  else if (o.status === 'DECLINED') status = `<p class="notice" role="status">${escapeHtml(w.declined)}</p>`;
  const open = o.status === 'SENT' || o.status === 'VIEWED';
  const actions = open
    ? `<div class="actions">
<form method="post" action="${escapeHtml(v.path)}/accept"><input type="hidden" name="t" value="${escapeHtml(v.formToken)}"><button type="submit" class="accept">${escapeHtml(w.accept)}</button></form>
<form method="post" action="${escapeHtml(v.path)}/decline"><input type="hidden" name="t" value="${escapeHtml(v.formToken)}"><button type="submit" class="decline">${escapeHtml(w.decline)}</button></form>
</div>
<p class="small no-print">${escapeHtml(w.decideHint)}</p>`
    : '';
  const body = `<h1>${escapeHtml(w.offerNo)} ${o.id}</h1>
${status}
<dl class="meta">
<dt>${escapeHtml(w.to)}</dt><dd>${escapeHtml(v.recipient)}</dd>
<dt>${escapeHtml(w.from)}</dt><dd>${escapeHtml(v.owner)}, ${escapeHtml(brand.company)}</dd>
<dt>${escapeHtml(w.date)}</dt><dd>${escapeHtml((o.sent_at ?? o.created_at).slice(0, 10))}</dd>
<dt>${escapeHtml(w.validUntil)}</dt><dd><time datetime="${escapeHtml(o.valid_until)}">${escapeHtml(o.valid_until)}</time></dd>
</dl>
<table class="lines">
<caption>${escapeHtml(w.offer)} · ${escapeHtml(w.pricesNote)}</caption>
<thead><tr><th scope="col">${escapeHtml(w.product)}</th><th scope="col" class="num">${escapeHtml(w.quantity)}</th><th scope="col" class="num">${escapeHtml(w.unitPrice)}</th><th scope="col" class="num">${escapeHtml(w.discount)}</th><th scope="col" class="num">${escapeHtml(w.lineTotal)}</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<table class="totals">
<tr><th scope="row">${escapeHtml(w.net)}</th><td>${money(o.net)}</td></tr>
<tr><th scope="row">${escapeHtml(w.vat(formatPercent(o.vat_rate_bp, o.locale)))}</th><td>${money(o.vat)}</td></tr>
<tr class="gross"><th scope="row">${escapeHtml(w.gross)}</th><td>${money(o.gross)}</td></tr>
</table>
${o.note ? `<h2>${escapeHtml(w.note)}</h2>\n<p class="text">${escapeHtml(o.note)}</p>` : ''}
${o.terms ? `<h2>${escapeHtml(w.terms)}</h2>\n<p class="text">${escapeHtml(o.terms)}</p>` : ''}
${actions}
<p class="no-print"><a href="${escapeHtml(v.path)}/pdf">${escapeHtml(w.downloadPdf)}</a></p>`;
  return layout(o.locale, `${w.offerNo} ${o.id}`, brand, body);
}
