// The genealogy's mutations: enrolment, profile, moves, status, termination, and signing a member out.
import { builder } from '../../../graphql/builder';
import { nowIso } from '../../../lib/db';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '../../../lib/errors';
import { enforceLimit, limitKeys } from '../../auth/rateLimit';
import { raiseTokenVersion } from '../../auth/sessions';
import { SignOut } from '../../auth/sessionType';
import { moveDistributor, setDistributorStatus, terminateDistributor, updateProfile } from '../changes';
import { enrollDistributor } from '../enroll';
import { Distributor, LegSideEnum, LocaleEnum, TreeEnum } from './types';

const EnrollInput = builder.inputType('EnrollDistributorInput', {
  fields: (t) => ({
    firstName: t.string({ required: true }),
    lastName: t.string({ required: true }),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
    country: t.string({ required: true }),
    locale: t.field({ type: LocaleEnum, required: true }),
    sponsorId: t.globalID({ required: false, for: Distributor }),
    sponsorReferralCode: t.string({ required: false }),
    placementParentId: t.globalID({ required: false, for: Distributor }),
    placementPosition: t.int({ required: false }),
    leg: t.field({
      type: LegSideEnum,
      required: false,
      description: 'Binary plans: the sponsor’s leg to place in.',
    }),
    password: t.string({ required: false }),
    externalId: t.string({ required: false }),
    joinedAt: t.field({ type: 'DateTime', required: false }),
  }),
});

builder.mutationField('enrollDistributor', (t) =>
  t.field({
    type: Distributor,
    description:
      'Enroll a distributor. Staff and integrations choose any sponsor; a distributor enrolls under themself; anyone may sign up with a referral code and a password.',
    errors: {
      types: [ValidationError, NotFoundError, ConflictError, ForbiddenError, RateLimitedError],
      dataField: { name: 'distributor' },
    },
    args: { input: t.arg({ type: EnrollInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const v = ctx.viewer;
      const raw = {
        ...input,
        sponsorId: input.sponsorId ? Number(input.sponsorId.id) : null,
        placementParentId: input.placementParentId ? Number(input.placementParentId.id) : null,
      };
      const staff = v.kind === 'ADMIN' || (v.kind === 'INTEGRATION' && v.scopes.includes('genealogy:write'));
      if (v.kind === 'DISTRIBUTOR') {
        if (raw.sponsorReferralCode || (raw.sponsorId != null && raw.sponsorId !== v.distributorId))
          throw new ForbiddenError('A distributor enrolls new members under themself.');
        raw.sponsorId = v.distributorId;
      } else if (!staff) {
        if (!raw.sponsorReferralCode || raw.sponsorId != null || raw.placementParentId != null)
          throw new ForbiddenError('Sign up with a referral code.');
        if (!raw.password || !raw.email)
          throw new ValidationError('Sign-up needs an e-mail and a password.', [
            { path: 'password', message: 'Required.', code: 'REQUIRED' },
          ]);
        // Sign-ups are limited per address and per referral code, so that codes cannot be guessed.
        const code = `code:${raw.sponsorReferralCode.trim().toLowerCase().slice(0, 64)}`;
        await enforceLimit(ctx.env.AUTH_ATTEMPT_LIMITER, limitKeys('signup', ctx.clientAddress, code));
      }
      return enrollDistributor(ctx.db, raw, { asAdmin: staff });
    },
  }),
);

const UpdateProfileInput = builder.inputType('UpdateDistributorProfileInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Distributor }),
    firstName: t.string({ required: false }),
    lastName: t.string({ required: false }),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
    country: t.string({ required: false }),
    locale: t.field({ type: LocaleEnum, required: false }),
    iban: t.string({ required: false, description: 'Bank account for commission payouts.' }),
    bic: t.string({ required: false }),
  }),
});

builder.mutationField('updateDistributorProfile', (t) =>
  t.field({
    type: Distributor,
    description: 'A distributor edits their own profile; staff edit anyone’s.',
    errors: { types: [ValidationError, NotFoundError, ForbiddenError], dataField: { name: 'distributor' } },
    args: { input: t.arg({ type: UpdateProfileInput, required: true }) },
    authScopes: { loggedIn: true },
    resolve: async (_r, { input }, ctx) => {
      const id = Number(input.id.id);
      const v = ctx.viewer;
      const allowed =
        v.kind === 'ADMIN' ||
        (v.kind === 'INTEGRATION' && v.scopes.includes('genealogy:write')) ||
        (v.kind === 'DISTRIBUTOR' && v.distributorId === id);
      if (!allowed) throw new ForbiddenError('You may edit only your own profile.');
      const { id: _id, ...patch } = input;
      return updateProfile(ctx.db, id, patch);
    },
  }),
);

const MoveInput = builder.inputType('MoveDistributorInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Distributor }),
    tree: t.field({ type: TreeEnum, required: true }),
    newParentId: t.globalID({
      required: true,
      for: Distributor,
      description: 'New sponsor, or new placement parent.',
    }),
    position: t.int({ required: false, description: 'Placement moves: the position under the new parent.' }),
  }),
});

builder.mutationField('moveDistributor', (t) =>
  t.field({
    type: Distributor,
    description: 'Staff: move a member, with their whole subtree, to a new sponsor or placement parent.',
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'distributor' } },
    args: { input: t.arg({ type: MoveInput, required: true }) },
    authScopes: { admin: true },
    resolve: (_r, { input }, ctx) =>
      moveDistributor(
        ctx.db,
        Number(input.id.id),
        input.tree,
        Number(input.newParentId.id),
        input.position ?? null,
      ),
  }),
);

const StatusInput = builder.inputType('SetDistributorStatusInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Distributor }),
    status: t.field({
      type: builder.enumType('SuspendableStatus', { values: ['ACTIVE', 'SUSPENDED'] as const }),
      required: true,
    }),
    reason: t.string({ required: false }),
  }),
});

builder.mutationField('setDistributorStatus', (t) =>
  t.field({
    type: Distributor,
    description: 'Staff: suspend or reactivate a member. Termination is terminateDistributor.',
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'distributor' } },
    args: { input: t.arg({ type: StatusInput, required: true }) },
    authScopes: { admin: true },
    resolve: (_r, { input }, ctx) => setDistributorStatus(ctx.db, Number(input.id.id), input.status),
  }),
);

const TerminateInput = builder.inputType('TerminateDistributorInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Distributor }),
    reason: t.string({ required: true }),
  }),
});

builder.mutationField('terminateDistributor', (t) =>
  t.field({
    type: Distributor,
    description:
      'Staff: terminate a member. Their sponsor children roll up (company setting terminateRollUp); their placement position is kept.',
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'distributor' } },
    args: { input: t.arg({ type: TerminateInput, required: true }) },
    authScopes: { admin: true },
    resolve: (_r, { input }, ctx) => terminateDistributor(ctx.db, Number(input.id.id), input.reason),
  }),
);

const SignOutDistributorInput = builder.inputType('SignOutDistributorInput', {
  fields: (t) => ({ distributorId: t.globalID({ required: true, for: Distributor }) }),
});

builder.mutationField('signOutDistributor', (t) =>
  t.field({
    type: SignOut,
    description: 'Staff: end every session of a distributor (for example after a leaked password).',
    errors: { types: [NotFoundError], dataField: { name: 'signOut' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: SignOutDistributorInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const ver = await raiseTokenVersion(ctx.db, 'distributor', Number(input.distributorId.id));
      if (ver == null) throw new NotFoundError('Distributor not found.');
      return { signedOutAt: nowIso() };
    },
  }),
);
