// Distributor agreements (issue 13 §5): the company's text per language, a Liquid template filled with the
// member's data, made into a PDF with the offers' PDF machinery and stored in R2 with its SHA-256.
import { Liquid } from 'liquidjs/dist/liquid.browser.mjs';
import { z } from 'zod';
import { atomic, nowIso } from '../../lib/db';
import { type FieldIssue, ForbiddenError, ValidationError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import type { Viewer } from '../auth/viewer';
import { loadSettings } from '../company/settings';
import { distributorById } from '../genealogy/reads';
import { brandOf } from '../offers/document';
import { textPdf } from '../offers/pdf';
import { sha256Hex } from '../offers/pdfStore';
import type { agreementTemplate } from './tables';

export type AgreementTemplateRow = typeof agreementTemplate.$inferSelect;
export const AGREEMENT_PREFIX = 'agreements/';
const LOCALES = ['da', 'pl', 'de', 'en'] as const;

const liquid = new Liquid({
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  templates: {},
  parseLimit: 100_000,
  renderLimit: 1000,
  memoryLimit: 10_000_000,
});

const VARIABLES = ['firstName', 'lastName', 'email', 'country', 'memberId', 'joinedAt', 'company'] as const;

export async function templateFor(db: D1Database, locale: string): Promise<AgreementTemplateRow> {
  const rows = await db
    .prepare(`SELECT * FROM agreement_template WHERE locale IN (?, 'en') ORDER BY locale = 'en'`)
    .bind(locale)
    .all<AgreementTemplateRow>();
  const row = rows.results[0];
  if (!row) throw new Error('agreement_template has no English row: migrations not applied?');
  return row;
}

export function agreementTemplates(db: D1Database): Promise<AgreementTemplateRow[]> {
  return db
    .prepare('SELECT * FROM agreement_template ORDER BY locale')
    .all<AgreementTemplateRow>()
    .then((r) => r.results);
}

/** The member's agreement as a PDF, stored in R2 (agreements/) and recorded with its SHA-256. */
export async function agreementDocument(
  db: D1Database,
  files: R2Bucket,
  distributorId: number,
): Promise<{ bytes: Uint8Array; key: string }> {
  const d = await distributorById(db, distributorId);
  if (!d) throw new Error(`distributor ${distributorId} is gone`);
  const [t, brand, company] = await Promise.all([templateFor(db, d.locale), brandOf(db), loadSettings(db)]);
  const data = {
    firstName: d.first_name,
    lastName: d.last_name,
    email: d.email ?? '',
    country: d.country,
    memberId: String(d.id),
    joinedAt: d.joined_at.slice(0, 10),
    company: company.name,
  };
  const render = (s: string) => liquid.parseAndRenderSync(s, data) as string;
  const bytes = await textPdf({
    title: render(t.title),
    paragraphs: render(t.body)
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s+/g, ' ').trim())
      .filter(Boolean),
    language: d.locale,
    brand,
  });
  const sha256 = await sha256Hex(bytes);
  const key = `${AGREEMENT_PREFIX}${d.id}-${sha256.slice(0, 16)}.pdf`;
  await files.put(key, bytes, {
    httpMetadata: { contentType: 'application/pdf' },
    customMetadata: { sha256, distributorId: String(d.id) },
    sha256,
  });
  await atomic(db, [
    db
      .prepare(
        `INSERT INTO stored_file (key, content_type, size, sha256, created_at) VALUES (?, 'application/pdf', ?, ?, ?)
         ON CONFLICT (key) DO NOTHING`,
      )
      .bind(key, bytes.byteLength, sha256, nowIso()),
  ]);
  return { bytes, key };
}

const templateSchema = z.object({
  locale: z.enum(LOCALES),
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(50_000),
});

/** Staff set a language's template; one that does not parse, or names an unknown variable, is refused. */
export async function setAgreementTemplate(db: D1Database, viewer: Viewer, raw: unknown) {
  if (viewer.kind !== 'ADMIN') throw new ForbiddenError('Staff only.');
  const input = parseInput(templateSchema, raw, 'agreementTemplate');
  const sample = Object.fromEntries(VARIABLES.map((v) => [v, 'x']));
  const issues: FieldIssue[] = [];
  for (const field of ['title', 'body'] as const) {
    try {
      liquid.parseAndRenderSync(input[field], sample);
    } catch (e) {
      issues.push({
        path: field,
        message: `Not a valid template (variables: ${VARIABLES.join(', ')}): ${(e as Error).message.slice(0, 200)}`,
        code: 'INVALID',
      });
    }
  }
  if (issues.length) throw new ValidationError('The agreement template is not valid.', issues);
  await db
    .prepare(
      `INSERT INTO agreement_template (locale, title, body, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (locale) DO UPDATE SET title = excluded.title, body = excluded.body, updated_at = excluded.updated_at`,
    )
    .bind(input.locale, input.title, input.body, nowIso())
    .run();
  return (await agreementTemplates(db)).find((t) => t.locale === input.locale) ?? null;
}
