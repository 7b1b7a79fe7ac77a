import { builder } from '../../graphql/builder';
import { ValidationError } from '../../lib/errors';
import { DistributorStatusEnum } from '../auth/accountStatusType';
import { type CompanySettings, placementWidth, updateSettings } from './settings';

const PlacementKind = builder.enumType('PlacementKind', { values: ['BINARY', 'MATRIX'] as const });
const TerminateRollUp = builder.enumType('TerminateRollUp', { values: ['SPONSOR', 'COMPANY'] as const });

const Company = builder.objectRef<CompanySettings>('CompanySettings').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    timeZone: t.exposeString('timeZone'),
    payoutCurrency: t.exposeString('payoutCurrency'),
    placementKind: t.field({ type: PlacementKind, resolve: (s) => s.placementKind }),
    placementWidth: t.int({ resolve: (s) => placementWidth(s) }),
    terminateRollUp: t.field({ type: TerminateRollUp, resolve: (s) => s.terminateRollUp }),
    activePv: t.expose('activePv', {
      type: 'SafeInt',
      description: 'PV at which a member counts as active in live figures.',
    }),
    closeGraceDays: t.exposeInt('closeGraceDays', {
      description: 'Days after a period ends before the cron closes it.',
    }),
    payoutDebtorName: t.exposeString('payoutDebtorName', { nullable: true, authScopes: { admin: true } }),
    payoutDebtorIban: t.exposeString('payoutDebtorIban', { nullable: true, authScopes: { admin: true } }),
    payoutDebtorBic: t.exposeString('payoutDebtorBic', { nullable: true, authScopes: { admin: true } }),
    payoutHeldStatuses: t.field({
      type: [DistributorStatusEnum],
      description:
        'Statuses whose commission balance is held (carried) instead of paid out. Default none: SPEC §3.1 pays any balance ≥ minPayout.',
      resolve: (s) => s.payoutHeldStatuses,
    }),
    signOutOnSuspension: t.exposeBoolean('signOutOnSuspension', {
      description: 'Suspending a distributor also ends all their sessions (default true).',
    }),
    payoutHoldUnsignedAgreement: t.exposeBoolean('payoutHoldUnsignedAgreement', {
      description:
        'A close holds (carries) the payout of a member whose distributor agreement is not signed; the result says why (default false).',
    }),
  }),
});

builder.queryField('company', (t) =>
  t.field({ type: Company, resolve: (_r, _a, ctx) => ctx.loaders.settings() }),
);

const UpdateCompanyInput = builder.inputType('UpdateCompanySettingsInput', {
  fields: (t) => ({
    name: t.string({ required: false }),
    timeZone: t.string({ required: false }),
    payoutCurrency: t.string({ required: false }),
    terminateRollUp: t.field({ type: TerminateRollUp, required: false }),
    activePv: t.field({ type: 'SafeInt', required: false, description: '0 to 1,000,000.' }),
    closeGraceDays: t.int({ required: false }),
    payoutDebtorName: t.string({
      required: false,
      description: 'The company account that SEPA payouts leave from.',
    }),
    payoutDebtorIban: t.string({ required: false }),
    payoutDebtorBic: t.string({ required: false }),
    payoutHeldStatuses: t.field({
      type: [DistributorStatusEnum],
      required: false,
      description: 'Replaces the list; [] pays every status.',
    }),
    signOutOnSuspension: t.boolean({ required: false }),
    payoutHoldUnsignedAgreement: t.boolean({ required: false }),
  }),
});

builder.mutationField('updateCompanySettings', (t) =>
  t.field({
    type: Company,
    errors: { types: [ValidationError], dataField: { name: 'company' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: UpdateCompanyInput, required: true }) },
    resolve: (_r, { input }, ctx) => updateSettings(ctx.db, input),
  }),
);
