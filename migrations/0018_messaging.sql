-- Messaging (issue 12): the outbox every SMS and e-mail leaves through, the templates it renders, the
-- provider events that move a message's status, and the consent and suppression lists that decide
-- whether a message may be sent at all. One deployment serves one company, so no table carries a company.

-- Which provider sends each channel, the senders, and the locale templates fall back to.
CREATE TABLE messaging_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  default_locale TEXT NOT NULL DEFAULT 'en' CHECK (default_locale IN ('da', 'pl', 'de', 'en')),
  sms_provider TEXT CHECK (sms_provider IN ('TWILIO', 'GATEWAYAPI')), -- null: SMS not configured
  email_provider TEXT CHECK (email_provider IN ('RESEND', 'CLOUDFLARE')), -- null: e-mail not configured
  sms_sender TEXT, -- E.164 number or an alphanumeric sender (<= 11 characters)
  email_from TEXT, -- 'Name <address>' or a bare address
  -- Marketing SMS wait outside these local hours of the recipient ('HH:MM'; equal: no quiet hours).
  quiet_hours_start TEXT NOT NULL DEFAULT '21:00',
  quiet_hours_end TEXT NOT NULL DEFAULT '08:00',
  -- Marketing messages one distributor may send per company day.
  marketing_daily_limit INTEGER NOT NULL DEFAULT 200,
  updated_at TEXT NOT NULL
) STRICT;
INSERT INTO messaging_settings (id, updated_at) VALUES (1, '1970-01-01T00:00:00.000Z');

-- Liquid templates per purpose key, channel and locale. An e-mail has a subject and a text body (the text
-- part) and may have an HTML body; without one, the HTML part is the escaped text.
CREATE TABLE message_template (
  id INTEGER PRIMARY KEY,
  purpose_key TEXT NOT NULL, -- 'ORDER_FOLLOW_UP', 'REORDER_REMINDER', ... (messaging/model.ts)
  channel TEXT NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
  locale TEXT NOT NULL CHECK (locale IN ('da', 'pl', 'de', 'en')),
  purpose TEXT NOT NULL CHECK (purpose IN ('TRANSACTIONAL', 'MARKETING')),
  subject TEXT, -- e-mail only
  body TEXT NOT NULL,
  html TEXT, -- e-mail only, optional
  updated_by TEXT NOT NULL, -- 'seed', 'staff:1'
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (purpose_key, channel, locale)
) STRICT;

-- Every message is a row first. Status moves forward only:
-- QUEUED -> SENDING -> SENT -> DELIVERED | FAILED | BOUNCED | UNDELIVERABLE, or QUEUED -> SUPPRESSED.
CREATE TABLE message_outbox (
  id INTEGER PRIMARY KEY,
  recipient_type TEXT NOT NULL CHECK (recipient_type IN ('CUSTOMER', 'LEAD', 'PROSPECT', 'DISTRIBUTOR')),
  recipient_id INTEGER NOT NULL,
  address TEXT NOT NULL, -- the E.164 number or e-mail address used
  channel TEXT NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
  purpose TEXT NOT NULL CHECK (purpose IN ('TRANSACTIONAL', 'MARKETING')),
  template_key TEXT, -- null: free text
  locale TEXT NOT NULL CHECK (locale IN ('da', 'pl', 'de', 'en')),
  subject TEXT,
  body TEXT NOT NULL,
  html TEXT,
  sms_encoding TEXT CHECK (sms_encoding IN ('GSM7', 'UCS2')),
  sms_segments INTEGER,
  sender_kind TEXT NOT NULL CHECK (sender_kind IN ('DISTRIBUTOR', 'STAFF', 'RULE', 'SYSTEM')),
  sender TEXT NOT NULL, -- 'distributor:5', 'staff:1', 'rule:ORDER_FOLLOW_UP'
  -- The distributor whose thread the message belongs to (the recipient's owner); null: company messages.
  owner_distributor_id INTEGER REFERENCES distributor (id),
  status TEXT NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'SENDING', 'SENT', 'DELIVERED', 'FAILED', 'BOUNCED', 'UNDELIVERABLE', 'SUPPRESSED')),
  provider TEXT CHECK (provider IN ('TWILIO', 'GATEWAYAPI', 'RESEND', 'CLOUDFLARE')),
  provider_message_id TEXT,
  provider_status TEXT, -- the provider's last raw status word
  idempotency_key TEXT NOT NULL UNIQUE, -- sent as the provider's idempotency key where it has one
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  not_before TEXT, -- not sent before this instant (Retry-After, backoff, quiet hours)
  claimed_at TEXT, -- when the current SENDING claim was taken
  sent_at TEXT,
  delivered_at TEXT,
  final_at TEXT, -- when a final status was reached
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX message_outbox_recipient ON message_outbox (recipient_type, recipient_id, id);
CREATE INDEX message_outbox_owner ON message_outbox (owner_distributor_id, id);
CREATE INDEX message_outbox_status ON message_outbox (status, not_before);
CREATE UNIQUE INDEX message_outbox_provider_id ON message_outbox (provider, provider_message_id)
  WHERE provider_message_id IS NOT NULL;

-- Every provider event received (status callbacks, webhooks), kept once per dedupe key; unknown statuses
-- are kept with mapped_status null.
CREATE TABLE message_event (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL CHECK (provider IN ('TWILIO', 'GATEWAYAPI', 'RESEND', 'CLOUDFLARE')),
  dedupe_key TEXT NOT NULL, -- svix-id, or provider message id + status
  provider_message_id TEXT NOT NULL,
  outbox_id INTEGER REFERENCES message_outbox (id),
  raw_status TEXT NOT NULL,
  mapped_status TEXT CHECK (mapped_status IN ('SENT', 'DELIVERED', 'FAILED', 'BOUNCED', 'UNDELIVERABLE')),
  error_code TEXT,
  applied INTEGER NOT NULL DEFAULT 0, -- 1 when it moved the outbox status
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (provider, dedupe_key)
) STRICT;
CREATE INDEX message_event_outbox ON message_event (outbox_id, id);

-- Marketing consent per person and channel, as a history: the latest row is in force.
CREATE TABLE message_consent (
  id INTEGER PRIMARY KEY,
  subject_type TEXT NOT NULL CHECK (subject_type IN ('CUSTOMER', 'LEAD', 'PROSPECT', 'DISTRIBUTOR')),
  subject_id INTEGER NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
  action TEXT NOT NULL CHECK (action IN ('GRANTED', 'WITHDRAWN')),
  source TEXT NOT NULL, -- 'form:signup', 'sms:STOP', 'unsubscribe-link', 'staff:1', ...
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX message_consent_subject ON message_consent (subject_type, subject_id, channel, id);

-- Addresses never sent to: hard bounces, complaints, undeliverable numbers, opt-outs. Lifted by a recorded
-- re-subscription.
CREATE TABLE message_suppression (
  channel TEXT NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
  address TEXT NOT NULL, -- E.164 or lower-cased e-mail
  reason TEXT NOT NULL CHECK (reason IN ('HARD_BOUNCE', 'COMPLAINT', 'UNDELIVERABLE', 'OPT_OUT')),
  outbox_id INTEGER REFERENCES message_outbox (id),
  detail TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (channel, address)
) STRICT;

-- Staff broadcasts to a segment: fanned out through the queue in chunks of recipients (keyset on the
-- recipient id), one outbox row per recipient (idempotency key 'broadcast:<id>:<type>:<recipient>'), with
-- progress, pause and cancel.
CREATE TABLE message_broadcast (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
  purpose TEXT NOT NULL CHECK (purpose IN ('TRANSACTIONAL', 'MARKETING')),
  subject TEXT,
  body TEXT NOT NULL,
  segment TEXT NOT NULL, -- JSON {kind, country?, dormant?, minLifetimeRank?, campaignId?}
  status TEXT NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'PAUSED', 'CANCELLED', 'DONE')),
  cursor INTEGER NOT NULL DEFAULT 0, -- the last recipient id handled
  queued INTEGER NOT NULL DEFAULT 0,
  suppressed INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0, -- no usable address, or no consent for marketing
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT
) STRICT;

-- Automatic messages: a follow-up rule of the CRM that also sends its template by a channel (N days from
-- the CRM rule's own settings). One message per order and channel: the outbox's idempotency key.
CREATE TABLE message_rule (
  rule TEXT NOT NULL CHECK (rule IN ('ORDER_FOLLOW_UP')),
  channel TEXT NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
  enabled INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (rule, channel)
) STRICT;
INSERT INTO message_rule (rule, channel, updated_at) VALUES
  ('ORDER_FOLLOW_UP', 'SMS', '1970-01-01T00:00:00.000Z'),
  ('ORDER_FOLLOW_UP', 'EMAIL', '1970-01-01T00:00:00.000Z');

-- Default templates of the automatic messages, in da/pl/de/en. SMS texts keep to the GSM-7 alphabet where
-- the language allows (a hyphen, not a dash); Polish letters make a Polish SMS UCS-2 whatever we do.
INSERT INTO message_template (purpose_key, channel, locale, purpose, subject, body, html, updated_by, created_at, updated_at)
SELECT column1, column2, column3, column4, column5, column6, NULL, 'seed', '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z'
FROM (VALUES
('ORDER_PAID', 'SMS', 'da', 'TRANSACTIONAL', NULL, 'Hej {{ recipient.firstName }}, tak for din ordre {{ order.number }} på {{ order.total }}. Den er betalt og på vej. - {{ distributor.name }}'),
('ORDER_PAID', 'EMAIL', 'da', 'TRANSACTIONAL', 'Tak for din ordre {{ order.number }}', 'Hej {{ recipient.firstName }},

Tak for din ordre {{ order.number }} fra {{ order.date }}. Vi har modtaget din betaling på {{ order.total }}.

Du har bestilt: {{ order.items }}

Har du spørgsmål, så svar bare på denne e-mail.

Venlig hilsen
{{ distributor.name }}
{{ company.name }}'),
('ORDER_PAID', 'SMS', 'pl', 'TRANSACTIONAL', NULL, 'Cześć {{ recipient.firstName }}, dziękuję za zamówienie {{ order.number }} na kwotę {{ order.total }}. Płatność otrzymana, paczka jest w drodze. - {{ distributor.name }}'),
('ORDER_PAID', 'EMAIL', 'pl', 'TRANSACTIONAL', 'Dziękujemy za zamówienie {{ order.number }}', 'Dzień dobry {{ recipient.firstName }},

dziękujemy za zamówienie {{ order.number }} z dnia {{ order.date }}. Otrzymaliśmy płatność w wysokości {{ order.total }}.

Zamówione produkty: {{ order.items }}

W razie pytań wystarczy odpowiedzieć na tę wiadomość.

Pozdrawiam serdecznie
{{ distributor.name }}
{{ company.name }}'),
('ORDER_PAID', 'SMS', 'de', 'TRANSACTIONAL', NULL, 'Hallo {{ recipient.firstName }}, danke für deine Bestellung {{ order.number }} über {{ order.total }}. Sie ist bezahlt und unterwegs. - {{ distributor.name }}'),
('ORDER_PAID', 'EMAIL', 'de', 'TRANSACTIONAL', 'Danke für deine Bestellung {{ order.number }}', 'Hallo {{ recipient.firstName }},

vielen Dank für deine Bestellung {{ order.number }} vom {{ order.date }}. Deine Zahlung über {{ order.total }} ist eingegangen.

Du hast bestellt: {{ order.items }}

Bei Fragen antworte einfach auf diese E-Mail.

Viele Grüße
{{ distributor.name }}
{{ company.name }}'),
('ORDER_PAID', 'SMS', 'en', 'TRANSACTIONAL', NULL, 'Hi {{ recipient.firstName }}, thank you for your order {{ order.number }} of {{ order.total }}. It is paid and on its way. - {{ distributor.name }}'),
('ORDER_PAID', 'EMAIL', 'en', 'TRANSACTIONAL', 'Thank you for your order {{ order.number }}', 'Hi {{ recipient.firstName }},

Thank you for your order {{ order.number }} of {{ order.date }}. We have received your payment of {{ order.total }}.

You ordered: {{ order.items }}

If you have any questions, just reply to this e-mail.

Best regards,
{{ distributor.name }}
{{ company.name }}'),
('ORDER_FOLLOW_UP', 'SMS', 'da', 'TRANSACTIONAL', NULL, 'Hej {{ recipient.firstName }}, hvordan går det med din ordre {{ order.number }}? Skriv endelig, hvis du har spørgsmål. - {{ distributor.name }}'),
('ORDER_FOLLOW_UP', 'EMAIL', 'da', 'TRANSACTIONAL', 'Hvordan går det med din ordre?', 'Hej {{ recipient.firstName }},

Der er gået et par dage, siden din ordre {{ order.number }} kom frem, og jeg vil gerne høre, hvad du synes om den ({{ order.items }}).

Har du spørgsmål, eller vil du have et par gode råd til at få mest muligt ud af produkterne, så svar bare på denne e-mail.

Venlig hilsen
{{ distributor.name }}'),
('ORDER_FOLLOW_UP', 'SMS', 'pl', 'TRANSACTIONAL', NULL, 'Cześć {{ recipient.firstName }}, jak wrażenia po zamówieniu {{ order.number }}? Daj znać, jeśli masz jakieś pytania. - {{ distributor.name }}'),
('ORDER_FOLLOW_UP', 'EMAIL', 'pl', 'TRANSACTIONAL', 'Jak się sprawdza Twoje zamówienie?', 'Cześć {{ recipient.firstName }},

minęło kilka dni, odkąd dotarło do Ciebie zamówienie {{ order.number }}. Chętnie dowiem się, jak sprawdzają się produkty ({{ order.items }}).

Jeśli masz pytania albo chcesz kilku wskazówek, jak najlepiej z nich korzystać, po prostu odpowiedz na tę wiadomość.

Pozdrawiam serdecznie
{{ distributor.name }}'),
('ORDER_FOLLOW_UP', 'SMS', 'de', 'TRANSACTIONAL', NULL, 'Hallo {{ recipient.firstName }}, wie gefällt dir deine Bestellung {{ order.number }}? Melde dich gern, wenn du Fragen hast. - {{ distributor.name }}'),
('ORDER_FOLLOW_UP', 'EMAIL', 'de', 'TRANSACTIONAL', 'Wie gefällt dir deine Bestellung?', 'Hallo {{ recipient.firstName }},

deine Bestellung {{ order.number }} ist jetzt seit ein paar Tagen bei dir, und ich würde gern wissen, wie zufrieden du mit den Produkten bist ({{ order.items }}).

Wenn du Fragen hast oder Tipps möchtest, wie du das Beste aus den Produkten herausholst, antworte einfach auf diese E-Mail.

Viele Grüße
{{ distributor.name }}'),
('ORDER_FOLLOW_UP', 'SMS', 'en', 'TRANSACTIONAL', NULL, 'Hi {{ recipient.firstName }}, how are you getting on with your order {{ order.number }}? Let me know if you have any questions. - {{ distributor.name }}'),
('ORDER_FOLLOW_UP', 'EMAIL', 'en', 'TRANSACTIONAL', 'How are you getting on with your order?', 'Hi {{ recipient.firstName }},

It has been a few days since your order {{ order.number }} arrived, and I would like to hear what you think of it ({{ order.items }}).

If you have any questions or would like a few tips on getting the most out of the products, just reply to this e-mail.

Best regards,
{{ distributor.name }}'),
('REORDER_REMINDER', 'SMS', 'da', 'MARKETING', NULL, 'Hej {{ recipient.firstName }}, omkring den {{ reorder.date }} er du nok ved at løbe tør for {{ product.name }}. Bestil igen her: {{ shopUrl }} - {{ distributor.name }}. Afmeld: {{ unsubscribeUrl }}'),
('REORDER_REMINDER', 'EMAIL', 'da', 'MARKETING', 'Tid til at fylde op med {{ product.name }}?', 'Hej {{ recipient.firstName }},

Omkring den {{ reorder.date }} er du sikkert ved at løbe tør for {{ product.name }}. Du kan bestille igen på et par minutter her:
{{ shopUrl }}

Har du spørgsmål, så svar bare på denne e-mail.

Venlig hilsen
{{ distributor.name }}

Vil du ikke have flere påmindelser? Afmeld her: {{ unsubscribeUrl }}'),
('REORDER_REMINDER', 'SMS', 'pl', 'MARKETING', NULL, 'Cześć {{ recipient.firstName }}, około {{ reorder.date }} może Ci się skończyć {{ product.name }}. Zamów ponownie: {{ shopUrl }} - {{ distributor.name }}. Wypisz się: {{ unsubscribeUrl }}'),
('REORDER_REMINDER', 'EMAIL', 'pl', 'MARKETING', 'Czas uzupełnić zapas: {{ product.name }}?', 'Cześć {{ recipient.firstName }},

około {{ reorder.date }} prawdopodobnie skończy Ci się {{ product.name }}. Możesz zamówić ponownie w kilka minut tutaj:
{{ shopUrl }}

Jeśli masz pytania, po prostu odpowiedz na tę wiadomość.

Pozdrawiam serdecznie
{{ distributor.name }}

Nie chcesz otrzymywać takich przypomnień? Wypisz się: {{ unsubscribeUrl }}'),
('REORDER_REMINDER', 'SMS', 'de', 'MARKETING', NULL, 'Hallo {{ recipient.firstName }}, um den {{ reorder.date }} herum geht dir wohl {{ product.name }} aus. Hier nachbestellen: {{ shopUrl }} - {{ distributor.name }}. Abmelden: {{ unsubscribeUrl }}'),
('REORDER_REMINDER', 'EMAIL', 'de', 'MARKETING', 'Zeit, {{ product.name }} nachzubestellen?', 'Hallo {{ recipient.firstName }},

um den {{ reorder.date }} herum geht dir wahrscheinlich {{ product.name }} aus. Hier kannst du in wenigen Minuten nachbestellen:
{{ shopUrl }}

Bei Fragen antworte einfach auf diese E-Mail.

Viele Grüße
{{ distributor.name }}

Keine Erinnerungen mehr? Hier abmelden: {{ unsubscribeUrl }}'),
('REORDER_REMINDER', 'SMS', 'en', 'MARKETING', NULL, 'Hi {{ recipient.firstName }}, your {{ product.name }} is probably running low around {{ reorder.date }}. Reorder here: {{ shopUrl }} - {{ distributor.name }}. Unsubscribe: {{ unsubscribeUrl }}'),
('REORDER_REMINDER', 'EMAIL', 'en', 'MARKETING', 'Time to restock {{ product.name }}?', 'Hi {{ recipient.firstName }},

Around {{ reorder.date }} your {{ product.name }} is probably running low. You can reorder in a couple of minutes here:
{{ shopUrl }}

If you have any questions, just reply to this e-mail.

Best regards,
{{ distributor.name }}

Don''t want these reminders? Unsubscribe: {{ unsubscribeUrl }}'),
('DORMANT_MEMBER', 'SMS', 'da', 'MARKETING', NULL, 'Hej {{ recipient.firstName }}, det er længe siden! Se hvad der er nyt: {{ shopUrl }} - {{ distributor.name }}. Afmeld: {{ unsubscribeUrl }}'),
('DORMANT_MEMBER', 'EMAIL', 'da', 'MARKETING', 'Vi savner dig, {{ recipient.firstName }}', 'Hej {{ recipient.firstName }},

Det er et stykke tid siden, vi sidst har hørt fra dig, så jeg ville lige høre, hvordan det går. Der er sket en del siden, og du kan se det nye her:
{{ shopUrl }}

Jeg vil meget gerne høre fra dig - svar bare på denne e-mail.

Venlig hilsen
{{ distributor.name }}

Vil du ikke have flere af disse e-mails? Afmeld her: {{ unsubscribeUrl }}'),
('DORMANT_MEMBER', 'SMS', 'pl', 'MARKETING', NULL, 'Cześć {{ recipient.firstName }}, dawno się nie słyszeliśmy! Zobacz, co nowego: {{ shopUrl }} - {{ distributor.name }}. Wypisz się: {{ unsubscribeUrl }}'),
('DORMANT_MEMBER', 'EMAIL', 'pl', 'MARKETING', 'Tęsknimy za Tobą, {{ recipient.firstName }}', 'Cześć {{ recipient.firstName }},

dawno nie mieliśmy kontaktu, dlatego piszę, żeby zapytać, co słychać. Od tego czasu sporo się wydarzyło - nowości znajdziesz tutaj:
{{ shopUrl }}

Bardzo się ucieszę, jeśli się odezwiesz - wystarczy odpowiedzieć na tę wiadomość.

Pozdrawiam serdecznie
{{ distributor.name }}

Nie chcesz otrzymywać takich wiadomości? Wypisz się: {{ unsubscribeUrl }}'),
('DORMANT_MEMBER', 'SMS', 'de', 'MARKETING', NULL, 'Hallo {{ recipient.firstName }}, lange nichts gehört! Schau, was es Neues gibt: {{ shopUrl }} - {{ distributor.name }}. Abmelden: {{ unsubscribeUrl }}'),
('DORMANT_MEMBER', 'EMAIL', 'de', 'MARKETING', 'Wir vermissen dich, {{ recipient.firstName }}', 'Hallo {{ recipient.firstName }},

wir haben schon eine Weile nichts mehr voneinander gehört, deshalb wollte ich mich kurz melden. Seitdem hat sich einiges getan - die Neuigkeiten findest du hier:
{{ shopUrl }}

Ich freue mich, von dir zu hören - antworte einfach auf diese E-Mail.

Viele Grüße
{{ distributor.name }}

Keine solchen E-Mails mehr? Hier abmelden: {{ unsubscribeUrl }}'),
('DORMANT_MEMBER', 'SMS', 'en', 'MARKETING', NULL, 'Hi {{ recipient.firstName }}, it has been a while! See what is new: {{ shopUrl }} - {{ distributor.name }}. Unsubscribe: {{ unsubscribeUrl }}'),
('DORMANT_MEMBER', 'EMAIL', 'en', 'MARKETING', 'We miss you, {{ recipient.firstName }}', 'Hi {{ recipient.firstName }},

It has been a while since we last heard from you, so I wanted to check in. A lot has happened since then, and you can see what is new here:
{{ shopUrl }}

I would love to hear from you - just reply to this e-mail.

Best regards,
{{ distributor.name }}

Don''t want these e-mails? Unsubscribe: {{ unsubscribeUrl }}'),
('PASSWORD_RESET', 'EMAIL', 'da', 'TRANSACTIONAL', 'Nulstil din adgangskode til {{ company.name }}', 'Hej {{ recipient.firstName }},

Der er bedt om at nulstille adgangskoden til din konto hos {{ company.name }} - forhåbentlig af dig. Vælg en ny adgangskode her:
{{ resetUrl }}

Linket kan bruges én gang og udløber om {{ expiresInMinutes }} minutter. Har du ikke bedt om det, kan du se bort fra denne e-mail: din adgangskode forbliver uændret.

{{ company.name }}'),
('PASSWORD_RESET', 'EMAIL', 'pl', 'TRANSACTIONAL', 'Zresetuj hasło do konta {{ company.name }}', 'Cześć {{ recipient.firstName }},

otrzymaliśmy prośbę o zresetowanie hasła do Twojego konta w {{ company.name }}. Nowe hasło ustawisz tutaj:
{{ resetUrl }}

Link działa jeden raz i wygasa za {{ expiresInMinutes }} minut. Jeśli to nie Ty prosisz o zmianę, zignoruj tę wiadomość - Twoje hasło pozostanie bez zmian.

{{ company.name }}'),
('PASSWORD_RESET', 'EMAIL', 'de', 'TRANSACTIONAL', 'Passwort für {{ company.name }} zurücksetzen', 'Hallo {{ recipient.firstName }},

jemand (hoffentlich du) hat angefordert, das Passwort deines Kontos bei {{ company.name }} zurückzusetzen. Hier kannst du ein neues Passwort festlegen:
{{ resetUrl }}

Der Link funktioniert einmal und läuft in {{ expiresInMinutes }} Minuten ab. Wenn du das nicht angefordert hast, ignoriere diese E-Mail einfach - dein Passwort bleibt unverändert.

{{ company.name }}'),
('PASSWORD_RESET', 'EMAIL', 'en', 'TRANSACTIONAL', 'Reset your password for {{ company.name }}', 'Hi {{ recipient.firstName }},

Someone (hopefully you) asked to reset the password of your {{ company.name }} account. Set a new password here:
{{ resetUrl }}

The link works once and expires in {{ expiresInMinutes }} minutes. If you did not ask for this, ignore this e-mail: your password stays as it is.

{{ company.name }}')
);
