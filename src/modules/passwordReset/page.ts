// The reset page (GET /reset/<token>: a form; POST: the new password), localized in the account's language
// (the token's), readable without JavaScript: a plain form with labels, the password rule stated next to
// the field, errors announced (role="alert") and tied to the field (aria-describedby).

import { LOCALES, type Locale } from '../messaging/model';
import { escapeHtml } from '../messaging/templates';

interface Texts {
  title: string;
  intro: string;
  password: string;
  confirm: string;
  rule: string;
  button: string;
  mismatch: string;
  tooShort: string;
  tooLong: string;
  done: string;
  UNKNOWN: string;
  EXPIRED: string;
  USED: string;
}

const TEXTS: Record<Locale, Texts> = {
  da: {
    title: 'Nulstil adgangskode',
    intro: 'Vælg en ny adgangskode til din konto.',
    password: 'Ny adgangskode',
    confirm: 'Gentag den nye adgangskode',
    rule: 'Mindst 10 tegn.',
    button: 'Gem ny adgangskode',
    mismatch: 'De to adgangskoder er ikke ens.',
    tooShort: 'Adgangskoden skal have mindst 10 tegn.',
    tooLong: 'Adgangskoden må højst have 200 tegn.',
    done: 'Din adgangskode er ændret. Du kan nu logge ind med den nye adgangskode. Du er logget ud alle andre steder.',
    UNKNOWN: 'Linket er ugyldigt. Bed om et nyt link til at nulstille din adgangskode.',
    EXPIRED: 'Linket er udløbet. Bed om et nyt link til at nulstille din adgangskode.',
    USED: 'Linket er allerede brugt. Bed om et nyt link, hvis du vil ændre adgangskoden igen.',
  },
  pl: {
    title: 'Resetowanie hasła',
    intro: 'Ustaw nowe hasło do swojego konta.',
    password: 'Nowe hasło',
    confirm: 'Powtórz nowe hasło',
    rule: 'Co najmniej 10 znaków.',
    button: 'Zapisz nowe hasło',
    mismatch: 'Hasła nie są takie same.',
    tooShort: 'Hasło musi mieć co najmniej 10 znaków.',
    tooLong: 'Hasło może mieć najwyżej 200 znaków.',
    done: 'Hasło zostało zmienione. Możesz się teraz zalogować nowym hasłem. Wylogowano Cię ze wszystkich innych urządzeń.',
    UNKNOWN: 'Ten link jest nieprawidłowy. Poproś o nowy link do zresetowania hasła.',
    EXPIRED: 'Ten link wygasł. Poproś o nowy link do zresetowania hasła.',
    USED: 'Ten link został już użyty. Poproś o nowy link, jeśli chcesz ponownie zmienić hasło.',
  },
  de: {
    title: 'Passwort zurücksetzen',
    intro: 'Lege ein neues Passwort für dein Konto fest.',
    password: 'Neues Passwort',
    confirm: 'Neues Passwort wiederholen',
    rule: 'Mindestens 10 Zeichen.',
    button: 'Neues Passwort speichern',
    mismatch: 'Die beiden Passwörter stimmen nicht überein.',
    tooShort: 'Das Passwort muss mindestens 10 Zeichen haben.',
    tooLong: 'Das Passwort darf höchstens 200 Zeichen haben.',
    done: 'Dein Passwort wurde geändert. Du kannst dich jetzt mit dem neuen Passwort anmelden. Alle anderen Sitzungen wurden abgemeldet.',
    UNKNOWN: 'Dieser Link ist ungültig. Fordere einen neuen Link zum Zurücksetzen an.',
    EXPIRED: 'Dieser Link ist abgelaufen. Fordere einen neuen Link zum Zurücksetzen an.',
    USED: 'Dieser Link wurde bereits verwendet. Fordere einen neuen Link an, wenn du das Passwort erneut ändern möchtest.',
  },
  en: {
    title: 'Reset your password',
    intro: 'Choose a new password for your account.',
    password: 'New password',
    confirm: 'Repeat the new password',
    rule: 'At least 10 characters.',
    button: 'Save the new password',
    mismatch: 'The two passwords are not the same.',
    tooShort: 'The password needs at least 10 characters.',
    tooLong: 'The password may have at most 200 characters.',
    done: 'Your password has been changed. You can sign in with the new password now. Every other session has been signed out.',
    UNKNOWN: 'This link is not valid. Ask for a new link to reset your password.',
    EXPIRED: 'This link has expired. Ask for a new link to reset your password.',
    USED: 'This link has already been used. Ask for a new link if you want to change your password again.',
  },
};

export type PasswordProblem = 'mismatch' | 'tooShort' | 'tooLong';

const page = (locale: Locale, title: string, body: string) =>
  `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}label{display:block;margin-top:1rem;font-weight:600}input{display:block;width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}button{margin-top:1.5rem;padding:.6rem 1rem;font-size:1rem}.error{color:#a00000;font-weight:600}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;

/** The form; with a problem from the last try, the problem is shown and announced. */
export function formPage(locale: Locale, problem?: PasswordProblem): string {
  const t = TEXTS[locale];
  const error = problem ? `<p id="error" class="error" role="alert">${escapeHtml(t[problem])}</p>\n` : '';
  const describedBy = problem ? 'rule error' : 'rule';
  const invalid = problem ? ' aria-invalid="true"' : '';
  return page(
    locale,
    t.title,
    `<h1>${escapeHtml(t.title)}</h1>
<p>${escapeHtml(t.intro)}</p>
${error}<form method="post">
<label for="password">${escapeHtml(t.password)}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="10" maxlength="200" aria-describedby="${describedBy}"${invalid}>
<p id="rule">${escapeHtml(t.rule)}</p>
<label for="confirm">${escapeHtml(t.confirm)}</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="10" maxlength="200"${invalid}>
<button type="submit">${escapeHtml(t.button)}</button>
</form>`,
  );
}

export function donePage(locale: Locale): string {
  const t = TEXTS[locale];
  return page(locale, t.title, `<h1>${escapeHtml(t.title)}</h1>\n<p role="status">${escapeHtml(t.done)}</p>`);
}

export function refusedPage(locale: Locale, reason: 'UNKNOWN' | 'EXPIRED' | 'USED'): string {
  const t = TEXTS[locale];
  return page(
    locale,
    t.title,
    `<h1>${escapeHtml(t.title)}</h1>\n<p role="alert">${escapeHtml(t[reason])}</p>`,
  );
}

/** The best of our locales for an Accept-Language header (for links that name no account), else en. */
export function localeOfRequest(acceptLanguage: string | null | undefined): Locale {
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = Number(
        params
          .find((p) => p.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? '1',
      );
      return { lang: tag.trim().toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0 };
    })
    .filter((w) => w.q > 0)
    .sort((a, b) => b.q - a.q);
  return (wanted.find((w) => (LOCALES as readonly string[]).includes(w.lang))?.lang as Locale) ?? 'en';
}
