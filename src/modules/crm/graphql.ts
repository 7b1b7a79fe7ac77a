// The CRM's GraphQL surface: prospects, contact history, tasks and myDay, follow-up rules and dormant
// members, feedback (NPS), and people search.
import './graphql/prospects';
import './graphql/activities';
import './graphql/tasks';
import './graphql/myDay';
import './graphql/rules';
import './graphql/feedback';
