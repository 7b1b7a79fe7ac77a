// Use cases of electronic signature: start a document's signature (with the accept of an offer), run the
// provider calls as steps of a tracked job, take a completed signature (the signed PDF in R2 with its SHA-256,
// the document's own consequences, once), and the company's choice of provider per document type.
import { z } from 'zod';
import type { Env } from '../../env';
import { atomic, nowIso } from '../../lib/db';
import { ConflictError, ForbiddenError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import type { Viewer } from '../auth/viewer';
import type { NewJob } from '../jobs/model';
import { recordJob } from '../jobs/repository';
import { sendFirstStep, startNewJobs } from '../jobs/start';
import { type SignatureStart, signatureRejectedStatement, signedOfferStatements } from '../offers/decisions';
import type { OfferRow } from '../offers/model';
import { offerPdfFile, sha256Hex } from '../offers/pdfStore';
import { offerById } from '../offers/repository';
import { agreementDocument, templateFor } from './agreements';
import { autentiProvider } from './autenti';
import { documensoProvider } from './documenso';
import type { EsignJob } from './messages';
import {
  type DocumentType,
  ESIGN_JOB_KIND,
  type EsignProvider,
  isFinal,
  PROVIDER_CHOICES,
  RANK,
  SIGNED_PREFIX,
  type SignatureRequestRow,
  type SignatureStatus,
} from './model';
import type { SignatureProvider } from './provider';
import {
  agreementRequestStatement,
  completedStatement,
  esignSettings,
  eventStatement,
  eventsOf,
  failedStatement,
  failureReasonStatement,
  membersWithoutAgreement,
  moveStatement,
  offerRequestStatement,
  quietRequests,
  reopenStatement,
  requestById,
  requestOf,
  startedStatement,
} from './repository';

export function providerFor(env: Env, name: EsignProvider): SignatureProvider {
  return name === 'AUTENTI' ? autentiProvider(env) : documensoProvider(env);
}

/** The provider the company chose for a document type, or null when it asks for no signature. */
export async function chosenProvider(db: D1Database, type: DocumentType): Promise<EsignProvider | null> {
  const s = await esignSettings(db);
  const choice = type === 'OFFER' ? s.offer_provider : s.agreement_provider;
  return choice === 'NONE' ? null : choice;
}

export function startJob(type: DocumentType, subjectId: number): NewJob<EsignJob> {
  return {
    id: `esign:${type.toLowerCase()}:${subjectId}:start`,
    kind: ESIGN_JOB_KIND,
    subject: `${type.toLowerCase()}:${subjectId}`,
    message: { kind: 'esign.start', documentType: type, subjectId },
  };
}

export function syncJob(
  r: SignatureRequestRow,
  deliveryId: string,
  expected: SignatureStatus | null,
): NewJob<EsignJob> {
  return {
    id: `esign:sync:${r.id}:${deliveryId}`.slice(0, 200),
    kind: ESIGN_JOB_KIND,
    subject: `${r.document_type.toLowerCase()}:${r.subject_id}`,
    message: { kind: 'esign.sync', requestId: r.id, ...(expected ? { expected } : {}) },
  };
}

/**
 * What an accept adds when the company requires a signature for offers: the signature request and its start
 * job in the accept's batch, the job's first step sent after it. Null when no signature is required. The
 * signer needs an e-mail address: without one the accept is refused and nothing is written.
 */
export async function offerSignatureStart(env: Env, o: OfferRow): Promise<SignatureStart | null> {
  const provider = await chosenProvider(env.DB, 'OFFER');
  if (!provider) return null;
  if (!(await signerHasEmail(env.DB, o)))
    throw new ConflictError('The recipient has no e-mail address to sign with.', 'SIGNER_EMAIL_MISSING');
  const job = startJob('OFFER', o.id);
  return {
    statements: (_customerId, now) => [
      offerRequestStatement(
        env.DB,
        { type: 'OFFER', subjectId: o.id, provider, title: `Offer ${o.id}` },
        now,
      ),
      recordJob(env.DB, job, now, false),
    ],
    afterAccept: () => sendFirstStep(env, job),
  };
}

async function signerHasEmail(db: D1Database, o: OfferRow): Promise<boolean> {
  const row =
    o.customer_id != null
      ? await db
          .prepare('SELECT email FROM customer WHERE id = ?')
          .bind(o.customer_id)
          .first<{ email: string | null }>()
      : await db
          .prepare('SELECT email FROM lead WHERE id = ?')
          .bind(o.lead_id)
          .first<{ email: string | null }>();
  return !!row?.email;
}

/** The document to sign, as a PDF (the offer's own PDF, from R2 when made before). */
async function documentOf(
  env: Env,
  r: SignatureRequestRow,
): Promise<{ bytes: Uint8Array; key: string | null }> {
  if (r.document_type === 'OFFER') {
    const offer = await offerById(env.DB, r.subject_id);
    if (!offer) throw new Error(`offer ${r.subject_id} is gone`);
    const pdf = await offerPdfFile(env.DB, env.FILES, offer);
    return { bytes: pdf.bytes, key: pdf.key };
  }
  return agreementDocument(env.DB, env.FILES, r.subject_id);
}

/**
 * Sends the agreement of every active member who has none yet (at most `limit` a run), when the company asks
 * for signed agreements: enrollment itself never waits for this (the hourly cron and staff's
 * `sendAgreements` run it). Answers how many were started.
 */
export async function startMissingAgreements(env: Env, limit = 100): Promise<number> {
  const provider = await chosenProvider(env.DB, 'AGREEMENT');
  if (!provider) return 0;
  let started = 0;
  for (const id of await membersWithoutAgreement(env.DB, limit)) {
    const job = startJob('AGREEMENT', id);
    const now = nowIso();
    const title = (await templateFor(env.DB, (await requestLocale(env.DB, id)) ?? 'en')).title;
    const [inserted] = await atomic(env.DB, [
      agreementRequestStatement(env.DB, id, provider, title.slice(0, 200), now),
      recordJob(env.DB, job, now, false),
    ]);
    if ((inserted.meta?.changes ?? 0) === 1) {
      await sendFirstStep(env, job);
      started++;
    }
  }
  return started;
}

async function requestLocale(db: D1Database, distributorId: number): Promise<string | null> {
  const row = await db
    .prepare('SELECT locale FROM distributor WHERE id = ?')
    .bind(distributorId)
    .first<{ locale: string }>();
  return row?.locale ?? null;
}

/** Step 'esign.start': the document to the provider, once (a request the provider has is left alone). */
export async function runStart(env: Env, type: DocumentType, subjectId: number): Promise<void> {
  const r = await requestOf(env.DB, type, subjectId);
  if (!r || r.external_id != null || r.status_rank > 0) return;
  const doc = await documentOf(env, r);
  const provider = providerFor(env, r.provider);
  const started = await provider.start({
    title: r.title,
    reference: `${type.toLowerCase()}:${subjectId}`,
    language: r.language,
    signer: { email: r.signer_email, firstName: r.signer_first_name, lastName: r.signer_last_name },
    pdf: doc.bytes,
    filename: `${type.toLowerCase()}-${subjectId}.pdf`,
  });
  const now = nowIso();
  await atomic(env.DB, [
    startedStatement(env.DB, r.id, started.externalId, started.signingUrl, doc.key, now),
    eventStatement(env.DB, r.id, r.provider, `start:${r.id}:${started.externalId}`, 'SENT', null, now),
  ]);
}

/** The provider's status lags the event that triggered the sync: retried with backoff. */
export class StatusLags extends Error {
  constructor(expected: string, actual: string) {
    super(`the provider still says ${actual} after a ${expected} event`);
    this.name = 'StatusLags';
  }
}

/**
 * Step 'esign.sync': re-reads the document at the provider (a callback is a trigger, not the truth), moves the
 * request forward, and on completion stores the signed PDF and applies the document's consequences.
 */
export async function runSync(env: Env, requestId: number, expected?: SignatureStatus): Promise<void> {
  const r = await requestById(env.DB, requestId);
  if (!r?.external_id || isFinal(r.status)) return;
  const provider = providerFor(env, r.provider);
  const { status } = await provider.state(r.external_id);
  if (status === 'COMPLETED') {
    const bytes = await provider.signedFile(r.external_id);
    await complete(env, r, bytes);
    return;
  }
  await applyStatus(env.DB, r, status, nowIso());
  if (expected && RANK[status] < RANK[expected]) throw new StatusLags(expected, status);
}

/** A status that needs no download: forward only, with the document's consequences of a final one. */
export async function applyStatus(
  db: D1Database,
  r: SignatureRequestRow,
  status: SignatureStatus,
  now: string,
  extra: D1PreparedStatement[] = [],
): Promise<void> {
  const consequences =
    status === 'REJECTED' && r.document_type === 'OFFER'
      ? [signatureRejectedStatement(db, r.subject_id, now)]
      : [];
  await atomic(db, [...extra, moveStatement(db, r.id, status, now), ...consequences]);
}

async function complete(env: Env, r: SignatureRequestRow, bytes: Uint8Array): Promise<void> {
  const sha256 = await sha256Hex(bytes);
  const key = `${SIGNED_PREFIX}${r.document_type.toLowerCase()}-${r.subject_id}-${sha256.slice(0, 16)}.pdf`;
  await env.FILES.put(key, bytes, {
    httpMetadata: { contentType: 'application/pdf' },
    customMetadata: {
      sha256,
      signatureRequest: String(r.id),
      provider: r.provider,
      externalId: r.external_id ?? '',
    },
    sha256,
  });
  const now = nowIso();
  // The audit trail beside it: the request, the signed file's hash and every event taken, in order.
  const events = await eventsOf(env.DB, r.id);
  const audit = new TextEncoder().encode(
    JSON.stringify(
      {
        request: {
          id: r.id,
          documentType: r.document_type,
          subjectId: r.subject_id,
          provider: r.provider,
          externalId: r.external_id,
          signer: { email: r.signer_email, firstName: r.signer_first_name, lastName: r.signer_last_name },
          sourceFile: r.source_key,
          createdAt: r.created_at,
        },
        signedFile: { key, sha256, size: bytes.byteLength },
        events: [
          ...events.map((e) => ({
            event: e.event,
            deliveryId: e.delivery_id,
            detail: e.detail,
            at: e.received_at,
          })),
          { event: 'COMPLETED', deliveryId: `completed:${r.id}`, detail: `sha256=${sha256}`, at: now },
        ],
      },
      null,
      2,
    ),
  );
  const auditSha = await sha256Hex(audit);
  const auditKey = key.replace(/\.pdf$/, '.audit.json');
  await env.FILES.put(auditKey, audit, {
    httpMetadata: { contentType: 'application/json' },
    customMetadata: { sha256: auditSha, signatureRequest: String(r.id) },
    sha256: auditSha,
  });
  const consequences =
    r.document_type === 'OFFER' ? await signedOfferStatements(env.DB, r.subject_id, now) : [];
  await atomic(env.DB, [
    env.DB.prepare(
      `INSERT INTO stored_file (key, content_type, size, sha256, created_at) VALUES (?, 'application/pdf', ?, ?, ?)
         ON CONFLICT (key) DO NOTHING`,
    ).bind(key, bytes.byteLength, sha256, now),
    env.DB.prepare(
      `INSERT INTO stored_file (key, content_type, size, sha256, created_at) VALUES (?, 'application/json', ?, ?, ?)
         ON CONFLICT (key) DO NOTHING`,
    ).bind(auditKey, audit.byteLength, auditSha, now),
    completedStatement(env.DB, r.id, key, auditKey, now),
    // Each guarded by the offer's own status (ACCEPTED → SIGNED; an order only for a SIGNED offer without one):
    // a second completion changes nothing.
    ...consequences,
    eventStatement(env.DB, r.id, r.provider, `completed:${r.id}`, 'COMPLETED', `sha256=${sha256}`, now),
  ]);
}

// The job kind's outcome in the domain.
export async function onStartFailed(env: Env, m: EsignJob, reason: string): Promise<void> {
  const now = nowIso();
  if (m.kind === 'esign.start') {
    const r = await requestOf(env.DB, m.documentType, m.subjectId);
    if (r) await atomic(env.DB, [failedStatement(env.DB, r.id, reason, now)]);
  } else await atomic(env.DB, [failureReasonStatement(env.DB, m.requestId, reason, now)]);
}

export async function onRetryStart(env: Env, m: EsignJob): Promise<void> {
  const now = nowIso();
  if (m.kind === 'esign.start') {
    const r = await requestOf(env.DB, m.documentType, m.subjectId);
    if (r) await atomic(env.DB, [reopenStatement(env.DB, r.id, now)]);
  } else await atomic(env.DB, [failureReasonStatement(env.DB, m.requestId, null, now)]);
}

const settingsSchema = z.object({
  offerProvider: z.enum(PROVIDER_CHOICES).nullish(),
  agreementProvider: z.enum(PROVIDER_CHOICES).nullish(),
});

export async function updateEsignSettings(env: Env, viewer: Viewer, raw: unknown) {
  if (viewer.kind !== 'ADMIN') throw new ForbiddenError('Staff only.');
  const input = parseInput(settingsSchema, raw, 'esignSettings');
  await env.DB.prepare(
    `UPDATE esign_settings SET offer_provider = coalesce(?, offer_provider),
       agreement_provider = coalesce(?, agreement_provider), updated_at = ? WHERE id = 1`,
  )
    .bind(input.offerProvider ?? null, input.agreementProvider ?? null, nowIso())
    .run();
  return esignSettings(env.DB);
}

const QUIET_MS = 6 * 3600_000;
const GIVE_UP_MS = 30 * 86_400_000;

/**
 * The backstop for lost callbacks (the cron, hourly): a request at a provider with no news for 6 hours is
 * re-read, at most once per 6-hour window, for 30 days. Answers how many syncs were started.
 */
export async function pollQuietSignatures(env: Env, now: Date, limit = 100): Promise<number> {
  const t = now.getTime();
  const quiet = await quietRequests(
    env.DB,
    new Date(t - GIVE_UP_MS).toISOString(),
    new Date(t - QUIET_MS).toISOString(),
    limit,
  );
  const window = Math.floor(t / QUIET_MS);
  return startNewJobs(
    env,
    quiet.map((r) => syncJob(r, `poll:${window}`, null)),
  );
}
