// Templates (pure): Liquid, interpreted by liquidjs (no eval / new Function, so it runs in Workers). A
// template may use only the variables of its purpose; an unknown or missing one is a ValidationError naming
// it. E-mail HTML escapes every value; every e-mail has a text part.
import type { Template } from 'liquidjs';
import { Liquid } from 'liquidjs/dist/liquid.browser.mjs';
import { type FieldIssue, ValidationError } from '../../lib/errors';
import { type Channel, MESSAGE_LIMITS, PURPOSE_KEYS, type PurposeKey } from './model';
import { type SmsInfo, smsInfo } from './sms';

const options = {
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  // No file system: include/render/layout find nothing.
  templates: {},
  parseLimit: MESSAGE_LIMITS.templateSource * 2,
  renderLimit: 1000,
  memoryLimit: 10_000_000,
};
const text = new Liquid(options);
const html = new Liquid({ ...options, outputEscape: 'escape' });

export interface TemplateSource {
  subject: string | null;
  body: string;
  html: string | null;
}

export interface RenderedMessage {
  subject: string | null;
  text: string;
  html: string | null;
  sms: SmsInfo | null;
}

type Part = 'subject' | 'body' | 'html';

function parse(engine: Liquid, source: string, part: Part): Template[] {
  try {
    return engine.parse(source);
  } catch (e) {
    throw new ValidationError(`The template's ${part} does not compile.`, [
      { path: part, message: (e as Error).message.split('\n')[0], code: 'INVALID' },
    ]);
  }
}

/** The variables a part uses that its purpose does not have, as issues naming each one. */
function unknownVariables(engine: Liquid, templates: Template[], allowed: ReadonlySet<string>, part: Part) {
  const issues: FieldIssue[] = [];
  for (const segments of engine.globalVariableSegmentsSync(templates)) {
    const name = segments.every((s) => typeof s === 'string') ? segments.join('.') : null;
    if (name === null)
      issues.push({
        path: part,
        message: `Variables are named with dots only (such as recipient.firstName), not looked up by [ ].`,
        code: 'INVALID',
      });
    else if (!allowed.has(name))
      issues.push({
        path: part,
        message: `Unknown variable "${name}".`,
        code: 'INVALID',
        params: { variable: name, allowed: [...allowed] },
      });
  }
  return issues;
}

/**
 * Parses every part and checks its variables against the purpose: a template that would fail later fails
 * here, with the names of the unknown variables.
 */
export function checkTemplate(key: PurposeKey, channel: Channel, source: TemplateSource): void {
  const allowed = new Set<string>(PURPOSE_KEYS[key].variables);
  const issues: FieldIssue[] = [];
  const parts: [Part, string | null, Liquid][] = [
    ['subject', source.subject, text],
    ['body', source.body, text],
    ['html', source.html, html],
  ];
  for (const [part, src, engine] of parts) {
    if (src == null) continue;
    issues.push(...unknownVariables(engine, parse(engine, src, part), allowed, part));
  }
  if (issues.length > 0)
    throw new ValidationError(
      `The template uses ${issues.length === 1 ? 'a variable' : 'variables'} its purpose does not have: ${issues
        .map((i) => (i.params?.variable as string | undefined) ?? '[ ]')
        .join(', ')}.`,
      issues,
    );
  if (channel === 'SMS' && (source.subject != null || source.html != null))
    throw new ValidationError('An SMS template has a body only.', [
      { path: source.subject != null ? 'subject' : 'html', message: 'Not used by SMS.', code: 'INVALID' },
    ]);
  if (channel === 'EMAIL' && !source.subject?.trim())
    throw new ValidationError('An e-mail template needs a subject.', [
      { path: 'subject', message: 'Required.', code: 'REQUIRED' },
    ]);
}

function renderPart(engine: Liquid, src: string, vars: Record<string, unknown>, part: Part): string {
  const templates = parse(engine, src, part);
  try {
    return engine.renderSync(templates, vars) as string;
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    const reported = /undefined variable: ([\w.]+)/.exec(message)?.[1];
    const missing = reported ? missingPath(engine, templates, vars, reported) : undefined;
    throw new ValidationError(
      missing ? `The variable "${missing}" has no value for this message.` : `The ${part} does not render.`,
      [
        {
          path: part,
          message: missing ? `Missing variable "${missing}".` : message,
          code: 'INVALID',
          params: missing ? { variable: missing } : {},
        },
      ],
    );
  }
}

/** The full dotted path of the first variable that has no value (liquidjs names only its first missing part). */
function missingPath(
  engine: Liquid,
  templates: Template[],
  vars: Record<string, unknown>,
  reported: string,
): string {
  for (const segments of engine.globalVariableSegmentsSync(templates)) {
    if (!segments.every((s) => typeof s === 'string')) continue;
    const path = segments as string[];
    if (!path.join('.').startsWith(reported)) continue;
    let at: unknown = vars;
    for (const key of path) {
      if (at == null || typeof at !== 'object' || !Object.hasOwn(at, key)) return path.join('.');
      at = (at as Record<string, unknown>)[key];
    }
  }
  return reported;
}

/** Intl puts no-break spaces in amounts and dates; on an SMS they would force UCS-2 for nothing. */
const noBreakSpaces = (s: string) => s.replace(/[\u00a0\u2007\u202f]/g, ' ');

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** The HTML part of an e-mail written as text: escaped, paragraphs on blank lines, line breaks kept. */
export function htmlOfText(body: string): string {
  const paragraphs = body
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeHtml(p).replaceAll('\n', '<br>\n')}</p>`);
  return `<!doctype html>\n<html><body>\n${paragraphs.join('\n')}\n</body></html>`;
}

/** Renders a template for one message. Subject lines are one line. */
export function renderTemplate(
  channel: Channel,
  source: TemplateSource,
  vars: Record<string, unknown>,
): RenderedMessage {
  const body = renderPart(text, source.body, vars, 'body').trim();
  if (channel === 'SMS') {
    const sms = noBreakSpaces(body);
    return { subject: null, text: sms, html: null, sms: smsInfo(sms) };
  }
  const subject =
    source.subject == null
      ? null
      : renderPart(text, source.subject, vars, 'subject').replace(/\s+/g, ' ').trim();
  return {
    subject,
    text: body,
    html: source.html == null ? htmlOfText(body) : renderPart(html, source.html, vars, 'html'),
    sms: null,
  };
}

/** Checks a rendered message against the limits of its channel. */
export function checkRendered(channel: Channel, m: RenderedMessage): void {
  const issues: FieldIssue[] = [];
  if (m.text.trim() === '') issues.push({ path: 'body', message: 'The message is empty.', code: 'REQUIRED' });
  if (channel === 'SMS' && m.sms && m.sms.segments > MESSAGE_LIMITS.smsSegments)
    issues.push({
      path: 'body',
      message: `The SMS takes ${m.sms.segments} segments (${m.sms.encoding}); at most ${MESSAGE_LIMITS.smsSegments}.`,
      code: 'TOO_LONG',
      params: { segments: m.sms.segments, encoding: m.sms.encoding, max: MESSAGE_LIMITS.smsSegments },
    });
  if (channel === 'EMAIL') {
    if (!m.subject) issues.push({ path: 'subject', message: 'The subject is empty.', code: 'REQUIRED' });
    else if (m.subject.length > MESSAGE_LIMITS.subject)
      issues.push({
        path: 'subject',
        message: 'The subject is too long.',
        code: 'TOO_LONG',
        params: { max: MESSAGE_LIMITS.subject },
      });
    if (m.text.length > MESSAGE_LIMITS.emailText)
      issues.push({
        path: 'body',
        message: 'The text is too long.',
        code: 'TOO_LONG',
        params: { max: MESSAGE_LIMITS.emailText },
      });
    if ((m.html?.length ?? 0) > MESSAGE_LIMITS.emailHtml)
      issues.push({
        path: 'html',
        message: 'The HTML is too long.',
        code: 'TOO_LONG',
        params: { max: MESSAGE_LIMITS.emailHtml },
      });
  }
  if (issues.length > 0) throw new ValidationError('The message is not sendable.', issues);
}
