// The CRM's GraphQL surface: prospects and their bulk import, contact history, tasks and myDay, follow-up rules and dormant
// members, feedback (NPS), and people search.
import './prospects';
import '../prospects/import/graphql';
import './activities';
import './tasks';
import './myDay';
import './rules';
import './feedback';
