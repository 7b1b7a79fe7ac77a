// Staff save templates: the purpose key, channel and locale; the template must compile, use only its
// purpose's variables and render a sendable message from sample data, or nothing is saved.
import { z } from 'zod';
import { nowIso } from '../../lib/db';
import { ForbiddenError, ValidationError } from '../../lib/errors';
import { freeText, nameText } from '../../lib/text';
import { parseInput } from '../../lib/validate';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import { loadSettings } from '../company/settings';
import { CHANNELS, isPurposeKey, LOCALES, MESSAGE_LIMITS, PURPOSE_KEYS } from './model';
import type { TemplateRow } from './tables';
import { checkRendered, checkTemplate, type RenderedMessage, renderTemplate } from './templates';
import { sampleData, templateVariables } from './variables';

const saveSchema = z.object({
  purposeKey: z.string().max(64),
  channel: z.enum(CHANNELS),
  locale: z.enum(LOCALES),
  subject: nameText(MESSAGE_LIMITS.subject * 4).nullish(),
  body: freeText(MESSAGE_LIMITS.templateSource).refine((b) => b.trim() !== '', 'Required.'),
  html: freeText(MESSAGE_LIMITS.templateSource).nullish(),
});
export type SaveTemplateInput = z.input<typeof saveSchema>;

export interface SavedTemplate {
  template: TemplateRow;
  sample: RenderedMessage;
}

export async function saveMessageTemplate(
  db: D1Database,
  viewer: Viewer,
  raw: SaveTemplateInput,
): Promise<SavedTemplate> {
  if (viewer.kind !== 'ADMIN') throw new ForbiddenError('Only staff edit message templates.');
  const input = parseInput(saveSchema, raw, 'template');
  const key = input.purposeKey;
  if (!isPurposeKey(key))
    throw new ValidationError('Unknown purpose.', [
      {
        path: 'purposeKey',
        message: 'Unknown purpose.',
        code: 'INVALID_VALUE',
        params: { values: Object.keys(PURPOSE_KEYS) },
      },
    ]);
  const purpose = PURPOSE_KEYS[key];
  if (!(purpose.channels as readonly string[]).includes(input.channel))
    throw new ValidationError(`${key} is not sent by ${input.channel}.`, [
      { path: 'channel', message: 'Not a channel of this purpose.', code: 'INVALID_VALUE' },
    ]);
  const source = { subject: input.subject ?? null, body: input.body, html: input.html ?? null };
  checkTemplate(key, input.channel, source);
  const company = await loadSettings(db);
  const sample = renderTemplate(
    input.channel,
    source,
    templateVariables(sampleData(input.locale, company.timeZone, company.payoutCurrency)),
  );
  checkRendered(input.channel, sample);
  const now = nowIso();
  const template = await db
    .prepare(
      `INSERT INTO message_template (purpose_key, channel, locale, purpose, subject, body, html, updated_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (purpose_key, channel, locale) DO UPDATE SET subject = excluded.subject, body = excluded.body,
         html = excluded.html, purpose = excluded.purpose, updated_by = excluded.updated_by, updated_at = excluded.updated_at
       RETURNING *`,
    )
    .bind(
      key,
      input.channel,
      input.locale,
      purpose.purpose,
      source.subject,
      source.body,
      source.html,
      actorOf(viewer),
      now,
      now,
    )
    .first<TemplateRow>();
  return { template: template!, sample };
}

export async function messageTemplates(db: D1Database): Promise<TemplateRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM message_template ORDER BY purpose_key, channel, locale')
    .all<TemplateRow>();
  return results;
}
