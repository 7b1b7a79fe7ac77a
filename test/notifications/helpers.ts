import { env } from 'cloudflare:test';
import { gqlOk } from '../helpers';

// Notifications through the API, and the rows behind them.

export const NOTIFICATIONS = `query($first: Int, $unreadOnly: Boolean) { notifications(first: $first, unreadOnly: $unreadOnly) {
  unreadCount edges { node { id kind subjectType subjectId payload read createdAt } } } }`;

export async function notificationsOf(token: string, opts: { first?: number; unreadOnly?: boolean } = {}) {
  return (
    await gqlOk(NOTIFICATIONS, { first: opts.first ?? 100, unreadOnly: opts.unreadOnly ?? null }, token)
  ).notifications as {
    unreadCount: number;
    edges: {
      node: { id: string; kind: string; subjectType: string; subjectId: string; payload: any; read: boolean };
    }[];
  };
}

export interface NotificationRow {
  id: number;
  distributor_id: number;
  kind: string;
  subject_type: string | null;
  subject_id: string | null;
  payload: string;
  dedupe_key: string | null;
}

export async function rows(where = '1 = 1', ...params: (string | number)[]): Promise<NotificationRow[]> {
  const { results } = await env.DB.prepare(`SELECT * FROM notification WHERE ${where} ORDER BY id`)
    .bind(...params)
    .all<NotificationRow>();
  return results;
}
