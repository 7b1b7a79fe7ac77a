// Assembles the schema: importing a module registers its types on the builder.
import { builder } from './builder';
import './errorTypes';
import '../modules/auth/graphql';
import '../modules/company/graphql';
import '../modules/volumes/graphql';
import '../modules/genealogy/graphql/index';
import '../modules/genealogy/import/graphql';
import '../modules/notifications/graphql';
import '../modules/catalog/graphql';
import '../modules/customers/graphql';
import '../modules/orders/graphql';
import '../modules/orders/import/graphql';
import '../modules/autoship/graphql';
import '../modules/commissions/graphql/index';
import '../modules/leads/graphql/index';
import '../modules/crm/graphql/index';
import '../modules/compliance/graphql';
import '../modules/reports/graphql';
import '../modules/offers/graphql';
import '../modules/esign/graphql';
import '../modules/people/graphql';
import '../jobs/graphql';
import '../modules/deadLetters/graphql';
import '../modules/messaging/graphql';
import '../modules/passwordReset/graphql';
import '../modules/gdpr/graphql';

export const schema = builder.toSchema({ sortSchema: true });
