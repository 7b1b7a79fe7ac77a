// The offer as a PDF (A4), made in the Worker with pdf-lib and an embedded TTF (DejaVu Sans, subset), so that
// Polish, Danish and German letters encode. Long offers break across pages with the table header repeated;
// totals, validity, note and terms come together on the last page; every page is numbered.
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, type PDFFont, type PDFPage, rgb } from 'pdf-lib';
import { FONT_BOLD, FONT_REGULAR } from './font';
import { wordsFor } from './i18n';
import type { OfferLineRow, OfferRow } from './model';
import type { Brand } from './page';
import { formatMoney, formatPercent } from './rules';

// The fonts are parsed once per isolate: pdf-lib asks its fontkit to parse the bytes for every document, so
// it gets a fontkit that hands back the font parsed the first time (told apart by size: regular ≠ bold).
// Its glyph cache starts empty for each document: fontkit keeps the letters a glyph was first made for, and
// a glyph first made as part of another (the "c" inside "ć", when subsetting) has none — every later
// document would then map that glyph to no letter, and its text could not be copied or searched.
type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];
type ParsedFont = ReturnType<Fontkit['create']> & { _glyphs?: unknown };
const parsed = new Map<number, ParsedFont>();
let parses = 0;
const cachingFontkit: Fontkit = {
  create(data: Uint8Array, postscriptName?: string) {
    let font = parsed.get(data.byteLength);
    if (!font) {
      parses++;
      font = (fontkit as unknown as Fontkit).create(data, postscriptName) as ParsedFont;
      parsed.set(data.byteLength, font);
    }
    font._glyphs = {};
    return font;
  },
};

/** How many times a font was parsed in this isolate (a test checks it stays at 2: regular and bold). */
export function fontParses(): number {
  return parses;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 42;
const SIZE = 9;
const ROW = 15;

function hexColor(hex: string) {
  const n = Number.parseInt(hex.slice(1), 16);
  return rgb(((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255);
}

/** Cuts text to fit a width, with an ellipsis. */
function clip(text: string, font: PDFFont, size: number, width: number): string {
  if (font.widthOfTextAtSize(text, size) <= width) return text;
  let s = text;
  while (s.length > 1 && font.widthOfTextAtSize(`${s}…`, size) > width) s = s.slice(0, -1);
  return `${s}…`;
}

/** Wraps text (keeping its line breaks) into lines no wider than `width`. */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split(/\r?\n/)) {
    let line = '';
    for (const word of para.split(/\s+/)) {
      const next = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(next, size) <= width || !line) line = next;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out.map((l) => clip(l, font, size, width));
}

export interface PdfInput {
  offer: OfferRow;
  lines: OfferLineRow[];
  recipient: string;
  owner: string;
  brand: Brand;
}

export async function offerPdf(p: PdfInput): Promise<Uint8Array> {
  const { offer: o, brand } = p;
  const w = wordsFor(o.locale);
  const money = (n: number) => formatMoney(n, o.currency, o.locale);
  const doc = await PDFDocument.create();
  doc.registerFontkit(cachingFontkit);
  const regular = await doc.embedFont(FONT_REGULAR, { subset: true });
  const bold = await doc.embedFont(FONT_BOLD, { subset: true });
  doc.setTitle(`${w.offerNo} ${o.id} · ${brand.company}`);
  doc.setLanguage(o.locale);
  doc.setCreator('mlm-crm');
  const color = hexColor(brand.brandColor);
  const right = A4.width - MARGIN;
  const cols = [
    { label: w.product, x: MARGIN, width: 235, align: 'left' as const },
    { label: w.quantity, x: MARGIN + 235, width: 45, align: 'right' as const },
    { label: w.unitPrice, x: MARGIN + 280, width: 80, align: 'right' as const },
    { label: w.discount, x: MARGIN + 360, width: 55, align: 'right' as const },
    { label: w.lineTotal, x: MARGIN + 415, width: right - MARGIN - 415, align: 'right' as const },
  ];
  const text = (
    page: PDFPage,
    s: string,
    x: number,
    y: number,
    font = regular,
    size = SIZE,
    c = rgb(0, 0, 0),
  ) => page.drawText(s, { x, y, size, font, color: c });
  const cell = (page: PDFPage, s: string, col: (typeof cols)[number], y: number, font = regular) => {
    const t = clip(s, font, SIZE, col.width - 6);
    const x = col.align === 'left' ? col.x : col.x + col.width - font.widthOfTextAtSize(t, SIZE);
    text(page, t, x, y, font);
  };

  const pages: PDFPage[] = [];
  let page!: PDFPage;
  let y = 0;
  const newPage = (first: boolean) => {
    page = doc.addPage([A4.width, A4.height]);
    pages.push(page);
    y = A4.height - MARGIN;
    text(page, brand.company, MARGIN, y - 14, bold, 14, color);
    text(
      page,
      `${w.offerNo} ${o.id}`,
      right - bold.widthOfTextAtSize(`${w.offerNo} ${o.id}`, 11),
      y - 13,
      bold,
      11,
    );
    y -= 24;
    page.drawLine({ start: { x: MARGIN, y }, end: { x: right, y }, thickness: 1.5, color });
    y -= 18;
    if (first) {
      const meta: [string, string][] = [
        [w.to, p.recipient],
        [w.from, `${p.owner}, ${brand.company}`],
        [w.date, (o.sent_at ?? o.created_at).slice(0, 10)],
        [w.validUntil, o.valid_until],
      ];
      for (const [k, v] of meta) {
        text(page, k, MARGIN, y, bold, 10);
        text(page, clip(v, regular, 10, 380), MARGIN + 90, y, regular, 10);
        y -= 14;
      }
      y -= 8;
    }
  };
  const tableHeader = () => {
    page.drawRectangle({
      x: MARGIN,
      y: y - 4,
      width: right - MARGIN,
      height: ROW,
      color: rgb(0.93, 0.94, 0.96),
    });
    for (const c of cols) cell(page, c.label, c, y, bold);
    y -= ROW + 2;
  };

  newPage(true);
  tableHeader();
  const bottom = MARGIN + 24;
  for (const l of p.lines) {
    if (y < bottom + ROW) {
      newPage(false);
      tableHeader();
    }
    cell(page, `${l.name} (${l.sku})`, cols[0], y);
    cell(page, String(l.quantity), cols[1], y);
    cell(page, money(l.unit_price), cols[2], y);
    cell(page, l.discount_bp ? formatPercent(l.discount_bp, o.locale) : '–', cols[3], y);
    cell(page, money(l.line_net), cols[4], y);
    page.drawLine({
      start: { x: MARGIN, y: y - 4 },
      end: { x: right, y: y - 4 },
      thickness: 0.4,
      color: rgb(0.8, 0.82, 0.85),
    });
    y -= ROW;
  }

  // The closing block: totals, validity, note and terms, kept together on the last page.
  const width = right - MARGIN;
  const noteLines = o.note ? wrap(o.note, regular, SIZE, width) : [];
  const termLines = o.terms ? wrap(o.terms, regular, SIZE, width) : [];
  const block: { label?: string; value?: string; text?: string; heading?: string; strong?: boolean }[] = [
    { label: w.net, value: money(o.net) },
    { label: w.vat(formatPercent(o.vat_rate_bp, o.locale)), value: money(o.vat) },
    { label: w.gross, value: money(o.gross), strong: true },
    { text: `${w.validUntil}: ${o.valid_until}. ${w.pricesNote}` },
    ...(noteLines.length ? [{ heading: w.note }, ...noteLines.map((t) => ({ text: t }))] : []),
    ...(termLines.length ? [{ heading: w.terms }, ...termLines.map((t) => ({ text: t }))] : []),
  ];
  const needed = block.length * 13 + 24;
  if (y - needed < bottom && needed < A4.height - 2 * MARGIN - 60) newPage(false);
  y -= 8;
  for (const b of block) {
    if (y < bottom) newPage(false);
    if (b.label != null) {
      const font = b.strong ? bold : regular;
      const size = b.strong ? 11 : 10;
      if (b.strong)
        page.drawLine({ start: { x: right - 230, y: y + 11 }, end: { x: right, y: y + 11 }, thickness: 1 });
      text(page, b.label, right - 230, y, font, size);
      text(page, b.value!, right - font.widthOfTextAtSize(b.value!, size), y, font, size);
      y -= b.strong ? 20 : 14;
    } else if (b.heading != null) {
      y -= 4;
      text(page, b.heading, MARGIN, y, bold, 10);
      y -= 14;
    } else {
      text(page, b.text!, MARGIN, y);
      y -= 12;
    }
  }

  pages.forEach((pg, i) => {
    const label = w.page(i + 1, pages.length);
    pg.drawText(label, {
      x: right - regular.widthOfTextAtSize(label, 8),
      y: MARGIN - 10,
      size: 8,
      font: regular,
      color: rgb(0.3, 0.3, 0.3),
    });
  });
  return doc.save();
}

export interface TextPdfInput {
  title: string;
  /** Paragraphs of plain text (wrapped to the page; a long text breaks across pages). */
  paragraphs: string[];
  language: string;
  brand: Brand;
}

/** A plain text document (an agreement) with the offers' fonts, brand colour and page numbers. */
export async function textPdf(p: TextPdfInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(cachingFontkit);
  const regular = await doc.embedFont(FONT_REGULAR, { subset: true });
  const bold = await doc.embedFont(FONT_BOLD, { subset: true });
  doc.setTitle(`${p.title} · ${p.brand.company}`);
  doc.setLanguage(p.language);
  doc.setCreator('mlm-crm');
  const width = A4.width - 2 * MARGIN;
  const pages: PDFPage[] = [];
  let page = doc.addPage([A4.width, A4.height]);
  pages.push(page);
  let y = A4.height - MARGIN - 10;
  page.drawText(p.brand.company, { x: MARGIN, y, size: 10, font: bold, color: hexColor(p.brand.brandColor) });
  y -= 26;
  for (const line of wrap(p.title, bold, 14, width)) {
    page.drawText(line, { x: MARGIN, y, size: 14, font: bold });
    y -= 20;
  }
  y -= 6;
  for (const para of p.paragraphs) {
    for (const line of wrap(para, regular, 10, width)) {
      if (y < MARGIN + 20) {
        page = doc.addPage([A4.width, A4.height]);
        pages.push(page);
        y = A4.height - MARGIN - 10;
      }
      page.drawText(line, { x: MARGIN, y, size: 10, font: regular });
      y -= 14;
    }
    y -= 8;
  }
  pages.forEach((pg, i) => {
    const label = `${i + 1} / ${pages.length}`;
    pg.drawText(label, {
      x: A4.width - MARGIN - regular.widthOfTextAtSize(label, 8),
      y: MARGIN - 10,
      size: 8,
      font: regular,
      color: rgb(0.3, 0.3, 0.3),
    });
  });
  return doc.save();
}
