import { normalizeIban } from '../../../lib/iban';
import { SEPA_MAX, sepaId, sepaText } from './sepa';

// The SEPA payout file, pure: an ISO 20022 pain.001.001.03 credit transfer for euro payouts. Every
// free-text field is transliterated to the SEPA set and cut to its ISO length, then XML-escaped.

export interface Payee {
  distributorId: number;
  name: string;
  email: string | null;
  iban: string | null;
  bic: string | null;
  amount: number; // minor units
}

export interface Debtor {
  name: string;
  iban: string;
  bic: string | null;
}

export function formatMinor(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function xml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

/** pain.001.001.03 with one payment block; payees without an IBAN are left out (the caller reports them). */
export function pain001(opts: {
  messageId: string;
  createdAt: Date;
  executionDate: string;
  debtor: Debtor;
  period: string;
  payees: Payee[];
}): string {
  const payees = opts.payees.filter((p) => p.iban && p.amount > 0);
  const msgId = sepaId(opts.messageId).slice(0, SEPA_MAX.id - 2);
  const debtorName = sepaText(opts.debtor.name) || 'NOTPROVIDED';
  const sum = formatMinor(payees.reduce((s, p) => s + p.amount, 0));
  const tx = payees
    .map(
      (p) => `      <CdtTrfTxInf>
        <PmtId><EndToEndId>${xml(sepaId(`${opts.period}-${p.distributorId}`))}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">${formatMinor(p.amount)}</InstdAmt></Amt>${
          p.bic ? `\n        <CdtrAgt><FinInstnId><BIC>${xml(p.bic)}</BIC></FinInstnId></CdtrAgt>` : ''
        }
        <Cdtr><Nm>${xml(sepaText(p.name) || `Distributor ${p.distributorId}`)}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>${xml(normalizeIban(p.iban!))}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>${xml(sepaText(`Commission ${opts.period}`, SEPA_MAX.remittance))}</Ustrd></RmtInf>
      </CdtTrfTxInf>`,
    )
    .join('\n');
  const created = opts.createdAt.toISOString().slice(0, 19);
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>${xml(msgId)}</MsgId>
      <CreDtTm>${created}</CreDtTm>
      <NbOfTxs>${payees.length}</NbOfTxs>
      <CtrlSum>${sum}</CtrlSum>
      <InitgPty><Nm>${xml(debtorName)}</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>${xml(msgId)}-1</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>${payees.length}</NbOfTxs>
      <CtrlSum>${sum}</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
      <ReqdExctnDt>${opts.executionDate}</ReqdExctnDt>
      <Dbtr><Nm>${xml(debtorName)}</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>${xml(normalizeIban(opts.debtor.iban))}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId>${opts.debtor.bic ? `<BIC>${xml(opts.debtor.bic)}</BIC>` : '<Othr><Id>NOTPROVIDED</Id></Othr>'}</FinInstnId></DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
${tx}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`;
}
