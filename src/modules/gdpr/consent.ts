// The consent history of a person (message_consent, append-only): every grant and withdrawal with its
// channel, purpose, source, the text shown and the time, oldest first.
import type { PersonRef } from './model';

export interface ConsentEventRow {
  id: number;
  channel: 'SMS' | 'EMAIL';
  action: 'GRANTED' | 'WITHDRAWN';
  purpose: 'MARKETING' | 'TRANSACTIONAL';
  source: string;
  text_shown: string | null;
  recorded_by: string;
  recorded_at: string;
}

export async function consentHistory(
  db: D1Database,
  ref: PersonRef,
  limit = 500,
): Promise<ConsentEventRow[]> {
  const { results } = await db
    .prepare(
      `SELECT id, channel, action, purpose, source, text_shown, recorded_by, recorded_at FROM message_consent
       WHERE subject_type = ? AND subject_id = ? ORDER BY id LIMIT ?`,
    )
    .bind(ref.type, ref.id, limit)
    .all<ConsentEventRow>();
  return results;
}
