// The words of the public page and the PDF in the recipient's language.
import type { OfferLocale } from './model';

export interface Words {
  offer: string;
  offerNo: string;
  from: string;
  to: string;
  date: string;
  validUntil: string;
  product: string;
  sku: string;
  quantity: string;
  unitPrice: string;
  discount: string;
  lineTotal: string;
  net: string;
  vat: (rate: string) => string;
  gross: string;
  note: string;
  terms: string;
  accept: string;
  decline: string;
  decideHint: string;
  downloadPdf: string;
  accepted: string;
  acceptedOrder: (order: string) => string;
  signPending: string;
  signNow: string;
  signed: string;
  declined: string;
  expiredTitle: string;
  expired: string;
  revokedTitle: string;
  revoked: string;
  replacedTitle: string;
  replaced: string;
  openNew: string;
  unknownTitle: string;
  unknown: string;
  failedTitle: string;
  failed: string;
  page: (n: number, of: number) => string;
  pricesNote: string;
}

const en: Words = {
  offer: 'Offer',
  offerNo: 'Offer no.',
  from: 'From',
  to: 'For',
  date: 'Date',
  validUntil: 'Valid until',
  product: 'Product',
  sku: 'SKU',
  quantity: 'Qty',
  unitPrice: 'Unit price',
  discount: 'Discount',
  lineTotal: 'Amount',
  net: 'Net total',
  vat: (r) => `VAT ${r}`,
  gross: 'Total incl. VAT',
  note: 'Note',
  terms: 'Terms',
  accept: 'Accept offer',
  decline: 'Decline',
  decideHint: 'Accepting places an order at these prices.',
  downloadPdf: 'Download PDF',
  accepted: 'You accepted this offer. Thank you!',
  acceptedOrder: (o) => `Your order number is ${o}.`,
  signPending: 'To complete it, please sign the offer electronically: we have sent it to you by e-mail.',
  signNow: 'Sign now',
  signed: 'You signed this offer. Thank you!',
  declined: 'You declined this offer.',
  expiredTitle: 'This offer has expired',
  expired: 'Its validity date has passed. Please ask the sender for a new offer.',
  revokedTitle: 'This link is no longer active',
  revoked: 'The sender has withdrawn this link. Please ask them for a new one.',
  replacedTitle: 'This offer was replaced',
  replaced: 'The sender has made a newer version of this offer.',
  openNew: 'Open the new offer',
  unknownTitle: 'Offer not found',
  unknown: 'This link is not valid. Check that you have the whole link, or ask the sender.',
  failedTitle: 'This offer cannot be answered now',
  failed: 'Please ask the sender for help.',
  page: (n, of) => `Page ${n} of ${of}`,
  pricesNote: 'Prices per unit exclude VAT.',
};

const da: Words = {
  offer: 'Tilbud',
  offerNo: 'Tilbud nr.',
  from: 'Fra',
  to: 'Til',
  date: 'Dato',
  validUntil: 'Gyldigt til',
  product: 'Produkt',
  sku: 'Varenr.',
  quantity: 'Antal',
  unitPrice: 'Stykpris',
  discount: 'Rabat',
  lineTotal: 'Beløb',
  net: 'I alt ekskl. moms',
  vat: (r) => `Moms ${r}`,
  gross: 'I alt inkl. moms',
  note: 'Bemærkning',
  terms: 'Betingelser',
  accept: 'Accepter tilbuddet',
  decline: 'Afvis',
  decideHint: 'Når du accepterer, bestiller du til disse priser.',
  downloadPdf: 'Hent PDF',
  accepted: 'Du har accepteret tilbuddet. Tak!',
  acceptedOrder: (o) => `Dit ordrenummer er ${o}.`,
  signPending:
    'Underskriv venligst tilbuddet elektronisk for at gennemføre det: vi har sendt det til dig pr. e-mail.',
  signNow: 'Underskriv nu',
  signed: 'Du har underskrevet tilbuddet. Tak!',
  declined: 'Du har afvist tilbuddet.',
  expiredTitle: 'Tilbuddet er udløbet',
  expired: 'Gyldighedsdatoen er overskredet. Bed afsenderen om et nyt tilbud.',
  revokedTitle: 'Linket er ikke længere aktivt',
  revoked: 'Afsenderen har trukket linket tilbage. Bed om et nyt.',
  replacedTitle: 'Tilbuddet er erstattet',
  replaced: 'Afsenderen har lavet en nyere udgave af tilbuddet.',
  openNew: 'Åbn det nye tilbud',
  unknownTitle: 'Tilbuddet findes ikke',
  unknown: 'Linket er ikke gyldigt. Tjek at du har hele linket, eller spørg afsenderen.',
  failedTitle: 'Tilbuddet kan ikke besvares nu',
  failed: 'Kontakt venligst afsenderen.',
  page: (n, of) => `Side ${n} af ${of}`,
  pricesNote: 'Stykpriser er ekskl. moms.',
};

const pl: Words = {
  offer: 'Oferta',
  offerNo: 'Oferta nr',
  from: 'Od',
  to: 'Dla',
  date: 'Data',
  validUntil: 'Ważna do',
  product: 'Produkt',
  sku: 'Kod',
  quantity: 'Ilość',
  unitPrice: 'Cena jedn.',
  discount: 'Rabat',
  lineTotal: 'Kwota',
  net: 'Razem netto',
  vat: (r) => `VAT ${r}`,
  gross: 'Razem brutto',
  note: 'Uwagi',
  terms: 'Warunki',
  accept: 'Akceptuję ofertę',
  decline: 'Odrzuć',
  decideHint: 'Akceptacja oznacza złożenie zamówienia po tych cenach.',
  downloadPdf: 'Pobierz PDF',
  accepted: 'Oferta została zaakceptowana. Dziękujemy!',
  acceptedOrder: (o) => `Numer zamówienia: ${o}.`,
  signPending: 'Aby ją sfinalizować, podpisz ofertę elektronicznie: wysłaliśmy ją do Ciebie e-mailem.',
  signNow: 'Podpisz teraz',
  signed: 'Oferta została podpisana. Dziękujemy!',
  declined: 'Oferta została odrzucona.',
  expiredTitle: 'Oferta wygasła',
  expired: 'Termin ważności minął. Poproś nadawcę o nową ofertę.',
  revokedTitle: 'Ten link jest już nieaktywny',
  revoked: 'Nadawca wycofał ten link. Poproś o nowy.',
  replacedTitle: 'Oferta została zastąpiona',
  replaced: 'Nadawca przygotował nowszą wersję tej oferty.',
  openNew: 'Otwórz nową ofertę',
  unknownTitle: 'Nie znaleziono oferty',
  unknown: 'Ten link jest nieprawidłowy. Sprawdź, czy skopiowano cały link, lub zapytaj nadawcę.',
  failedTitle: 'Na tę ofertę nie można teraz odpowiedzieć',
  failed: 'Skontaktuj się z nadawcą.',
  page: (n, of) => `Strona ${n} z ${of}`,
  pricesNote: 'Ceny jednostkowe nie zawierają VAT.',
};

const de: Words = {
  offer: 'Angebot',
  offerNo: 'Angebot Nr.',
  from: 'Von',
  to: 'Für',
  date: 'Datum',
  validUntil: 'Gültig bis',
  product: 'Produkt',
  sku: 'Art.-Nr.',
  quantity: 'Menge',
  unitPrice: 'Einzelpreis',
  discount: 'Rabatt',
  lineTotal: 'Betrag',
  net: 'Summe netto',
  vat: (r) => `MwSt. ${r}`,
  gross: 'Gesamt inkl. MwSt.',
  note: 'Hinweis',
  terms: 'Bedingungen',
  accept: 'Angebot annehmen',
  decline: 'Ablehnen',
  decideHint: 'Mit der Annahme bestellen Sie zu diesen Preisen.',
  downloadPdf: 'PDF herunterladen',
  accepted: 'Sie haben das Angebot angenommen. Vielen Dank!',
  acceptedOrder: (o) => `Ihre Bestellnummer ist ${o}.`,
  signPending:
    'Bitte unterschreiben Sie das Angebot elektronisch, um es abzuschließen: Wir haben es Ihnen per E-Mail geschickt.',
  signNow: 'Jetzt unterschreiben',
  signed: 'Sie haben das Angebot unterschrieben. Vielen Dank!',
  declined: 'Sie haben das Angebot abgelehnt.',
  expiredTitle: 'Dieses Angebot ist abgelaufen',
  expired: 'Das Gültigkeitsdatum ist überschritten. Bitten Sie den Absender um ein neues Angebot.',
  revokedTitle: 'Dieser Link ist nicht mehr aktiv',
  revoked: 'Der Absender hat den Link zurückgezogen. Bitten Sie um einen neuen.',
  replacedTitle: 'Dieses Angebot wurde ersetzt',
  replaced: 'Der Absender hat eine neuere Fassung des Angebots erstellt.',
  openNew: 'Neues Angebot öffnen',
  unknownTitle: 'Angebot nicht gefunden',
  unknown: 'Dieser Link ist ungültig. Prüfen Sie, ob der Link vollständig ist, oder fragen Sie den Absender.',
  failedTitle: 'Dieses Angebot kann gerade nicht beantwortet werden',
  failed: 'Bitte wenden Sie sich an den Absender.',
  page: (n, of) => `Seite ${n} von ${of}`,
  pricesNote: 'Einzelpreise ohne MwSt.',
};

export const WORDS: Record<OfferLocale, Words> = { en, da, pl, de };

export function wordsFor(locale: string): Words {
  return WORDS[locale as OfferLocale] ?? en;
}
