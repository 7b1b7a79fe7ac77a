// "Why was I paid this": pure explanation of one commission line from the period's frozen inputs.
export { CONTRIBUTION, type Contributions } from './contributions';
export { explainLine } from './explain';
export { linesOf, membersNeeded } from './needed';
export type { ExplainInput, Explanation, LineRef } from './types';
