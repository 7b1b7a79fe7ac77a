-- The company's own bank account: the debtor of SEPA payout files.
ALTER TABLE company_settings ADD COLUMN payout_debtor_name TEXT;
ALTER TABLE company_settings ADD COLUMN payout_debtor_iban TEXT;
ALTER TABLE company_settings ADD COLUMN payout_debtor_bic TEXT;
