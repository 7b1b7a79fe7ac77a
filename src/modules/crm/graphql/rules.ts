import { builder } from '../../../graphql/builder';
import { resolvePage } from '../../../graphql/pages';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../lib/errors';
import { encodeCursor } from '../../../lib/keyset';
import { Customer } from '../../customers/graphql';
import { customersByIds } from '../../customers/repository';
import { Distributor, loadVisible } from '../../genealogy/graphql';
import { ownerScope } from '../ownerScope';
import { type DormantRow, dormantPage } from '../rules/dormant';
import { CRM_RULES, type CrmRuleRow, listRules, RULE_ACTIONS, updateRule } from '../rules/settings';

const CrmRuleEnum = builder.enumType('CrmRule', {
  values: {
    ORDER_FOLLOW_UP: {
      description: 'n days after a customer’s order is paid: a "how is it going" task for the owner.',
    },
    REORDER_REMINDER: {
      description:
        'n days before a customer’s expected reorder (autoship next date, else the average interval of their orders): a reminder task.',
    },
    DORMANT_MEMBER: {
      description:
        'n consecutive periods without PV (customers: without paid orders): listed, with a task for the sponsor/owner.',
    },
  },
});
void CRM_RULES;

const CrmRuleActionEnum = builder.enumType('CrmRuleAction', {
  values: {
    TASK: { description: 'A task for the owner (sponsor).' },
    MESSAGE: {
      description: 'The rule’s template message to the person, by the channels enabled in messageRules.',
    },
    BOTH: { description: 'The task and the message.' },
  },
});
void RULE_ACTIONS;

const CrmRuleSettings = builder.objectRef<CrmRuleRow>('CrmRuleSettings').implement({
  fields: (t) => ({
    rule: t.field({ type: CrmRuleEnum, resolve: (r) => r.rule }),
    enabled: t.boolean({ resolve: (r) => r.enabled === 1 }),
    n: t.exposeInt('n', {
      description: 'Days (ORDER_FOLLOW_UP, REORDER_REMINDER) or periods (DORMANT_MEMBER).',
    }),
    action: t.field({ type: CrmRuleActionEnum, resolve: (r) => r.action }),
    updatedAt: t.field({ type: 'DateTime', resolve: (r) => r.updated_at }),
  }),
});

builder.queryField('crmRules', (t) =>
  t.field({
    type: [CrmRuleSettings],
    authScopes: { admin: true },
    description: 'Staff: the automatic follow-up rules (company settings).',
    resolve: (_r, _a, ctx) => listRules(ctx.db),
  }),
);

const UpdateCrmRuleInput = builder.inputType('UpdateCrmRuleInput', {
  fields: (t) => ({
    rule: t.field({ type: CrmRuleEnum, required: true }),
    enabled: t.boolean({ required: false }),
    n: t.int({ required: false, description: '1 to 365.' }),
    action: t.field({ type: CrmRuleActionEnum, required: false }),
  }),
});

builder.mutationField('updateCrmRule', (t) =>
  t.field({
    type: CrmRuleSettings,
    errors: { types: [ValidationError], dataField: { name: 'settings' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: UpdateCrmRuleInput, required: true }) },
    resolve: (_r, { input }, ctx) => updateRule(ctx.db, input),
  }),
);

const DormantTypeEnum = builder.enumType('DormantMemberType', {
  values: ['DISTRIBUTOR', 'CUSTOMER'] as const,
});

const DormantMember = builder.objectRef<DormantRow>('DormantMember').implement({
  description: 'A member without volume for the DORMANT_MEMBER rule’s periods (as the nightly run found).',
  fields: (t) => ({
    memberType: t.field({ type: DormantTypeEnum, resolve: (r) => r.member_type }),
    distributor: t.field({
      type: Distributor,
      nullable: true,
      resolve: async (r, _a, ctx) =>
        r.member_type === 'DISTRIBUTOR' ? (await loadVisible(ctx.db, ctx.viewer, [r.member_id]))[0] : null,
    }),
    customer: t.field({
      type: Customer,
      nullable: true,
      resolve: async (r, _a, ctx) => {
        if (r.member_type !== 'CUSTOMER') return null;
        const [c] = await customersByIds(ctx.db, [r.member_id]);
        return c && (ctx.viewer.kind === 'ADMIN' || r.responsible_id === c.owner_id) ? c : null;
      },
    }),
    lastActivePeriod: t.exposeString('last_active_period', { nullable: true, description: 'Null: never.' }),
    periods: t.exposeInt('periods', { description: 'Complete periods without volume in a row.' }),
    detectedFor: t.exposeString('detected_for', { description: 'The last complete period checked.' }),
    dormantSince: t.field({
      type: 'DateTime',
      resolve: (r) => r.detected_at,
      description: 'First found dormant.',
    }),
  }),
});

builder.queryField('dormantMembers', (t) =>
  t.connection({
    type: DormantMember,
    authScopes: { admin: true, distributor: true },
    description:
      'Dormant members: a distributor’s personally sponsored distributors and own customers; staff: everyone’s, or one responsible distributor’s.',
    args: {
      responsibleId: t.arg.globalID({ required: false, for: Distributor }),
      memberType: t.arg({ type: DormantTypeEnum, required: false }),
    },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: (_r, args, ctx) => {
      if (ctx.viewer.kind !== 'ADMIN' && ctx.viewer.kind !== 'DISTRIBUTOR') throw new ForbiddenError();
      const responsible = ownerScope(ctx.viewer, args.responsibleId ? Number(args.responsibleId.id) : null);
      return resolvePage<Promise<DormantRow[]>>(
        {
          args,
          toCursor: (r: DormantRow) => encodeCursor([r.member_type, r.member_id]),
          defaultSize: 20,
          maxSize: 100,
        },
        (page) => dormantPage(ctx.db, { responsible, memberType: args.memberType }, page),
      );
    },
  }),
);

void NotFoundError;
