import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { checkTemplate, renderTemplate } from '../../src/modules/messaging/templates';
import {
  formatDate,
  formatMoney,
  sampleData,
  templateVariables,
} from '../../src/modules/messaging/variables';

function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('template variables', () => {
  it('money in minor units is formatted for the locale and currency (Intl), dates in the time zone', () => {
    const nbsp = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
    expect(nbsp(formatMoney(123450, 'DKK', 'da'))).toBe('1.234,50 kr.');
    expect(nbsp(formatMoney(123450, 'EUR', 'de'))).toBe('1.234,50 €');
    // Polish does not group four-digit amounts.
    expect(nbsp(formatMoney(123450, 'PLN', 'pl'))).toBe('1234,50 zł');
    expect(nbsp(formatMoney(1234567, 'PLN', 'pl'))).toBe('12 345,67 zł');
    expect(formatMoney(123450, 'EUR', 'en')).toBe('€1,234.50');
    // A currency without minor units: 1234 yen are 1234 minor units.
    expect(formatMoney(1234, 'JPY', 'en')).toBe('JP¥1,234');
    // 23:30 UTC on 31 December is already 1 January in Copenhagen.
    expect(formatDate('2026-12-31T23:30:00Z', 'da', 'Europe/Copenhagen')).toBe('1. januar 2027');
    expect(formatDate('2026-12-31T23:30:00Z', 'en', 'UTC')).toBe('31 December 2026');
    expect(formatDate('2026-03-14T10:00:00Z', 'pl', 'Europe/Warsaw')).toBe('14 marca 2026');
    expect(formatDate('2026-03-14T10:00:00Z', 'de', 'Europe/Berlin')).toBe('14. März 2026');
  });
});

describe('templates', () => {
  const vars = templateVariables(sampleData('da', 'Europe/Copenhagen', 'DKK'));

  it('renders a Danish SMS with formatted variables, its encoding and segment count', () => {
    const m = renderTemplate(
      'SMS',
      {
        subject: null,
        body: 'Hej {{ recipient.firstName }}, tak for ordren på {{ order.total }} ({{ order.items }}).',
        html: null,
      },
      vars,
    );
    expect(m.text).toBe('Hej Anna, tak for ordren på 1.234,50 kr. (Vitamin C 500 og Omega-3).');
    expect(m.sms).toMatchObject({ encoding: 'GSM7', segments: 1 });
  });

  it('an unknown variable is a ValidationError naming it, at save time and without rendering', () => {
    const e = validationError(() =>
      checkTemplate('ORDER_PAID', 'EMAIL', {
        subject: 'Order {{ order.number }}',
        body: 'Hi {{ recipient.firstName }}, {{ order.totl }} {% if customer.vip %}VIP{% endif %}',
        html: null,
      }),
    );
    expect(e.message).toContain('order.totl');
    expect(e.issues.map((i) => i.params?.variable)).toEqual(['order.totl', 'customer.vip']);
    // A variable of another purpose is unknown here too.
    expect(() =>
      checkTemplate('ORDER_PAID', 'SMS', { subject: null, body: '{{ unsubscribeUrl }}', html: null }),
    ).toThrow(/unsubscribeUrl/);
    expect(() =>
      checkTemplate('REORDER_REMINDER', 'SMS', { subject: null, body: '{{ unsubscribeUrl }}', html: null }),
    ).not.toThrow();
  });

  it('a template that does not compile, an unknown filter, a dynamic lookup or an include is refused', () => {
    expect(
      validationError(() =>
        checkTemplate('PERSONAL', 'SMS', { subject: null, body: 'Hi {{ recipient.firstName ', html: null }),
      ).issues[0].path,
    ).toBe('body');
    expect(() => checkTemplate('PERSONAL', 'SMS', { subject: null, body: '{% if x %}', html: null })).toThrow(
      ValidationError,
    );
    expect(() =>
      checkTemplate('PERSONAL', 'SMS', {
        subject: null,
        body: '{{ recipient.firstName | shout }}',
        html: null,
      }),
    ).toThrow(ValidationError);
    expect(() =>
      checkTemplate('PERSONAL', 'SMS', { subject: null, body: '{{ recipient[company.name] }}', html: null }),
    ).toThrow(ValidationError);
    expect(() =>
      renderTemplate('SMS', { subject: null, body: "{% include 'secrets' %}", html: null }, vars),
    ).toThrow(ValidationError);
  });

  it('a variable missing at render time is a ValidationError naming it', () => {
    const e = validationError(() =>
      renderTemplate(
        'SMS',
        { subject: null, body: 'Reorder by {{ reorder.date }}', html: null },
        { recipient: {} },
      ),
    );
    expect(e.issues[0].params).toEqual({ variable: 'reorder.date' });
  });

  it('e-mail: values are HTML-escaped in the HTML part, the text part is always there', () => {
    const hostile = templateVariables({
      ...sampleData('en', 'UTC', 'EUR'),
      recipient: { firstName: '<script>alert("x")</script>', lastName: "O'Neil & Co" },
    });
    const written = renderTemplate(
      'EMAIL',
      { subject: 'Hi {{ recipient.firstName }}', body: 'Hello {{ recipient.name }}\n\nBye', html: null },
      hostile,
    );
    expect(written.text).toBe('Hello <script>alert("x")</script> O\'Neil & Co\n\nBye');
    expect(written.html).toContain(
      '<p>Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Neil &amp; Co</p>',
    );
    expect(written.html).not.toContain('<script>');
    const withHtml = renderTemplate(
      'EMAIL',
      {
        subject: 'Hi',
        body: 'Hello {{ recipient.firstName }}',
        html: '<h1>Hello {{ recipient.firstName }}</h1>',
      },
      hostile,
    );
    expect(withHtml.html).toBe('<h1>Hello &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</h1>');
    expect(withHtml.text).toBe('Hello <script>alert("x")</script>');
  });

  it('an e-mail template needs a subject; an SMS template has neither subject nor HTML', () => {
    expect(() => checkTemplate('PERSONAL', 'EMAIL', { subject: null, body: 'x', html: null })).toThrow(
      /subject/,
    );
    expect(() => checkTemplate('PERSONAL', 'SMS', { subject: 'x', body: 'x', html: null })).toThrow(
      ValidationError,
    );
  });
});
