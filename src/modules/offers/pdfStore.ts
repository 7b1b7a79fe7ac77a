// Offer PDFs in R2 (FILES, prefix offers/), each recorded with its SHA-256. An offer's content never changes
// (a change is a revision, a new offer), so its PDF is made once and read back afterwards.
import { atomic, nowIso } from '../../lib/db';
import type { OfferDocument } from './document';
import { offerDocument } from './document';
import { type OfferRow, PDF_PREFIX } from './model';
import { offerPdf } from './pdf';

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface StoredPdf {
  bytes: Uint8Array;
  key: string;
  sha256: string;
}

/** The offer's PDF: from R2 when made before, else made now, stored and recorded. */
export async function offerPdfFile(db: D1Database, files: R2Bucket, offer: OfferRow): Promise<StoredPdf> {
  if (offer.pdf_key) {
    const [obj, row] = await Promise.all([
      files.get(offer.pdf_key),
      db
        .prepare('SELECT sha256 FROM stored_file WHERE key = ?')
        .bind(offer.pdf_key)
        .first<{ sha256: string }>(),
    ]);
    if (obj && row)
      return { bytes: new Uint8Array(await obj.arrayBuffer()), key: offer.pdf_key, sha256: row.sha256 };
  }
  return storePdf(db, files, await offerDocument(db, offer));
}

async function storePdf(db: D1Database, files: R2Bucket, d: OfferDocument): Promise<StoredPdf> {
  const bytes = await offerPdf(d);
  const sha256 = await sha256Hex(bytes);
  const key = `${PDF_PREFIX}${d.offer.id}-${sha256.slice(0, 16)}.pdf`;
  await files.put(key, bytes, {
    httpMetadata: { contentType: 'application/pdf' },
    customMetadata: { sha256, offerId: String(d.offer.id) },
    sha256,
  });
  const now = nowIso();
  await atomic(db, [
    db
      .prepare(
        `INSERT INTO stored_file (key, content_type, size, sha256, created_at) VALUES (?, 'application/pdf', ?, ?, ?)
         ON CONFLICT (key) DO NOTHING`,
      )
      .bind(key, bytes.byteLength, sha256, now),
    db.prepare('UPDATE offer SET pdf_key = ? WHERE id = ? AND pdf_key IS NULL').bind(key, d.offer.id),
  ]);
  return { bytes, key, sha256 };
}
