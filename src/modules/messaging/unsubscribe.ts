// Opting out (issue 12 §4): every marketing message carries a signed unsubscribe link; the link opens a small
// localized page whose button (or a mail client's RFC 8058 one-click POST) withdraws the person's marketing
// consent for that channel. No login; a GET changes nothing (link scanners open links), a POST does, once.
import { nowIso } from '../../lib/db';
import { timingSafeEqualBytes } from '../leads/crypto';
import type { Channel, Locale, RecipientType } from './model';

export interface UnsubscribeTarget {
  channel: Channel;
  type: RecipientType;
  id: number;
  locale: Locale;
}

const CHANNEL_CODE: Record<Channel, string> = { SMS: 's', EMAIL: 'e' };
const TYPE_CODE: Record<RecipientType, string> = {
  CUSTOMER: 'c',
  LEAD: 'l',
  PROSPECT: 'p',
  DISTRIBUTOR: 'd',
};
const invert = <K extends string>(r: Record<K, string>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [v, k])) as Record<string, K>;
const CHANNEL_OF = invert(CHANNEL_CODE);
const TYPE_OF = invert(TYPE_CODE);

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The HMAC key of a secret, imported once per isolate (a broadcast signs a link per recipient). */
const keys = new Map<string, CryptoKey>();
async function macKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = await crypto.subtle.importKey(
      'raw',
      encoder.encode(`unsubscribe:${secret}`),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    keys.set(secret, key);
  }
  return key;
}

async function mac(secret: string, payload: string): Promise<string> {
  const key = await macKey(secret);
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(payload)));
  // 128 bits keep an SMS link short and are far beyond guessing.
  return base64url(sig.slice(0, 16));
}

/** A short signed token: "<channel><type><id>.<locale>.<mac>" (it never expires: old messages keep working). */
export async function unsubscribeToken(secret: string, t: UnsubscribeTarget): Promise<string> {
  const payload = `${CHANNEL_CODE[t.channel]}${TYPE_CODE[t.type]}${t.id}.${t.locale}`;
  return `${payload}.${await mac(secret, payload)}`;
}

export async function readUnsubscribeToken(secret: string, token: string): Promise<UnsubscribeTarget | null> {
  const m = /^([se])([clpd])(\d{1,15})\.(da|pl|de|en)\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return null;
  const payload = `${m[1]}${m[2]}${m[3]}.${m[4]}`;
  if (!timingSafeEqualBytes(encoder.encode(await mac(secret, payload)), encoder.encode(m[5]))) return null;
  return { channel: CHANNEL_OF[m[1]], type: TYPE_OF[m[2]], id: Number(m[3]), locale: m[4] as Locale };
}

export function unsubscribeUrl(base: string | undefined, token: string): string {
  if (!base)
    throw new Error('PUBLIC_BASE_URL is not set: marketing messages need it for their unsubscribe link.');
  return `${base.replace(/\/+$/, '')}/u/${token}`;
}

/** Withdraws marketing consent for the channel, unless the latest record already does. True when recorded now. */
export async function withdrawConsent(
  db: D1Database,
  t: UnsubscribeTarget,
  source: string,
): Promise<boolean> {
  const r = await db
    .prepare(
      `INSERT INTO message_consent (subject_type, subject_id, channel, action, source, recorded_by, recorded_at, purpose,
         text_shown)
       SELECT ?1, ?2, ?3, 'WITHDRAWN', ?4, 'recipient', ?5, 'MARKETING', ?6
       WHERE coalesce((SELECT action FROM message_consent WHERE subject_type = ?1 AND subject_id = ?2 AND channel = ?3
                       ORDER BY id DESC LIMIT 1), 'NONE') <> 'WITHDRAWN'`,
    )
    .bind(t.type, t.id, t.channel, source, nowIso(), shownText(t))
    .run();
  return (r.meta.changes ?? 0) === 1;
}

/** The line added to a marketing message that has no unsubscribe link of its own. */
export const UNSUBSCRIBE_LINE: Record<Locale, string> = {
  da: 'Afmeld',
  pl: 'Wypisz się',
  de: 'Abmelden',
  en: 'Unsubscribe',
};

const PAGE: Record<
  Locale,
  { title: string; ask: (c: string) => string; button: string; done: (c: string) => string; bad: string }
> = {
  da: {
    title: 'Afmelding',
    ask: (c) => `Vil du afmelde dig markedsføring på ${c}?`,
    button: 'Ja, afmeld mig',
    done: (c) => `Du er nu afmeldt markedsføring på ${c}. Du modtager stadig beskeder om dine ordrer.`,
    bad: 'Linket er ugyldigt.',
  },
  pl: {
    title: 'Wypisanie się',
    ask: (c) => `Czy chcesz zrezygnować z wiadomości marketingowych (${c})?`,
    button: 'Tak, wypisz mnie',
    done: (c) =>
      `Wypisano Cię z wiadomości marketingowych (${c}). Nadal otrzymasz wiadomości dotyczące Twoich zamówień.`,
    bad: 'Ten link jest nieprawidłowy.',
  },
  de: {
    title: 'Abmeldung',
    ask: (c) => `Möchtest du dich von Werbung per ${c} abmelden?`,
    button: 'Ja, abmelden',
    done: (c) =>
      `Du bist jetzt von Werbung per ${c} abgemeldet. Nachrichten zu deinen Bestellungen erhältst du weiterhin.`,
    bad: 'Dieser Link ist ungültig.',
  },
  en: {
    title: 'Unsubscribe',
    ask: (c) => `Do you want to stop receiving marketing by ${c}?`,
    button: 'Yes, unsubscribe me',
    done: (c) =>
      `You are unsubscribed from marketing by ${c}. You will still receive messages about your orders.`,
    bad: 'This link is not valid.',
  },
};
const CHANNEL_WORD: Record<Locale, Record<Channel, string>> = {
  da: { SMS: 'SMS', EMAIL: 'e-mail' },
  pl: { SMS: 'SMS', EMAIL: 'e-mail' },
  de: { SMS: 'SMS', EMAIL: 'E-Mail' },
  en: { SMS: 'SMS', EMAIL: 'e-mail' },
};

const page = (locale: Locale, title: string, body: string) =>
  `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><meta name="robots" content="noindex"></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">${body}</body></html>`;

/** The wording of the unsubscribe page's question and button, as kept in the consent history. */
function shownText(t: UnsubscribeTarget): string {
  const p = PAGE[t.locale];
  return `${p.ask(CHANNEL_WORD[t.locale][t.channel])} [${p.button}]`;
}

/** The page a GET shows: a question and a button (the token in the path is all the form needs). */
export function confirmPage(t: UnsubscribeTarget | null, locale: Locale = 'en'): string {
  if (!t) return page(locale, PAGE[locale].title, `<p>${PAGE[locale].bad}</p>`);
  const p = PAGE[t.locale];
  return page(
    t.locale,
    p.title,
    `<h1>${p.title}</h1><p>${p.ask(CHANNEL_WORD[t.locale][t.channel])}</p><form method="post"><button type="submit">${p.button}</button></form>`,
  );
}

export function donePage(t: UnsubscribeTarget): string {
  const p = PAGE[t.locale];
  return page(t.locale, p.title, `<h1>${p.title}</h1><p>${p.done(CHANNEL_WORD[t.locale][t.channel])}</p>`);
}
