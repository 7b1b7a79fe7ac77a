// The GraphQL enum of a distributor account's status (accountStatus.ts says why it lives in auth).
import { builder } from '../../graphql/builder';
import { DISTRIBUTOR_STATUSES } from './accountStatus';

export const DistributorStatusEnum = builder.enumType('DistributorStatus', { values: DISTRIBUTOR_STATUSES });
