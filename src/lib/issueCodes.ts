import type { z } from 'zod';

// Stable machine codes of validation issues, so that frontends can show them in da/pl/de/en. The English
// message stays beside the code; `params` carries what a translation needs (e.g. { min: 8 }).

export const ISSUE_CODES = {
  REQUIRED: 'A value is required.',
  INVALID_TYPE: 'The value has the wrong type; params.expected names the type.',
  TOO_SHORT: 'Text shorter than params.min characters.',
  TOO_LONG: 'Text longer than params.max characters.',
  TOO_SMALL: 'A number below params.min.',
  TOO_LARGE: 'A number above params.max.',
  TOO_FEW: 'Fewer than params.min items.',
  TOO_MANY: 'More than params.max items.',
  INVALID_FORMAT: 'Not in the expected format; params.format names it (email, iso_datetime, YYYY-MM, ...).',
  INVALID_VALUE: 'Not one of the allowed values; params.values lists them when they are few.',
  NOT_MULTIPLE_OF: 'Not a multiple of params.divisor.',
  UNKNOWN_FIELD: 'A field that is not expected; params.keys lists them.',
  ALREADY_IN_USE: 'Unique and already taken (an e-mail, a SKU, an external id).',
  NOT_FOUND: 'Refers to something that does not exist (or that the caller may not see).',
  FORBIDDEN_CHARACTERS: 'Contains control or bidirectional-override characters.',
  INVALID_ID: 'Not a global ID, or the ID of another type.',
  INVALID: 'Refused for the reason in the message.',
} as const;

export type IssueCode = keyof typeof ISSUE_CODES;

export interface CodedIssue {
  code: IssueCode;
  params: Record<string, unknown>;
}

type ZodIssue = z.core.$ZodIssue;

/** The machine code and parameters of one zod issue. */
export function codeOfZodIssue(issue: ZodIssue): CodedIssue {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined || issue.input === null
        ? { code: 'REQUIRED', params: {} }
        : { code: 'INVALID_TYPE', params: { expected: issue.expected } };
    case 'too_small':
      return bound(issue.origin, 'min', issue.minimum, issue.inclusive);
    case 'too_big':
      return bound(issue.origin, 'max', issue.maximum, issue.inclusive);
    case 'invalid_format':
      return { code: 'INVALID_FORMAT', params: { format: issue.format } };
    case 'invalid_value':
      return { code: 'INVALID_VALUE', params: issue.values.length <= 20 ? { values: issue.values } : {} };
    case 'not_multiple_of':
      return { code: 'NOT_MULTIPLE_OF', params: { divisor: Number(issue.divisor) } };
    case 'unrecognized_keys':
      return { code: 'UNKNOWN_FIELD', params: { keys: issue.keys } };
    case 'custom': {
      const code = issue.params?.code as IssueCode | undefined;
      return code && code in ISSUE_CODES
        ? { code, params: { ...issue.params, code: undefined } }
        : { code: 'INVALID', params: {} };
    }
    default:
      return { code: 'INVALID', params: {} };
  }
}

function bound(origin: string, side: 'min' | 'max', value: number | bigint, inclusive?: boolean): CodedIssue {
  // An exclusive bound on an integer is an inclusive one a step further: "> 0" reads as "at least 1".
  let n = Number(value);
  if (inclusive === false && Number.isInteger(n)) n += side === 'min' ? 1 : -1;
  const kind =
    origin === 'string'
      ? side === 'min'
        ? n <= 1
          ? 'REQUIRED'
          : 'TOO_SHORT'
        : 'TOO_LONG'
      : origin === 'array' || origin === 'set'
        ? side === 'min'
          ? 'TOO_FEW'
          : 'TOO_MANY'
        : side === 'min'
          ? 'TOO_SMALL'
          : 'TOO_LARGE';
  return { code: kind, params: kind === 'REQUIRED' ? {} : { [side]: n } };
}
