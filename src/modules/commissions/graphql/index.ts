// The commissions' GraphQL surface: plans, periods, statements and the ledger (periods.ts), what-ifs
// (whatif.ts) and the explanation of a line (explain.ts).
import './periods';
import './whatif';
import './explain';
