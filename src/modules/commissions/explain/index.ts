// "Why was I paid this": pure explanation of one commission line from the period's frozen inputs.
export {
  CONTRIBUTION,
  type Contributions,
  type ExplainInput,
  type Explanation,
  explainLine,
  type LineRef,
  linesOf,
  membersNeeded,
} from './explain';
