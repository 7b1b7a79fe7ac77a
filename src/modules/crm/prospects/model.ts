import { z } from 'zod';
import { isDay } from '../dates';

export const PROSPECT_STATUSES = ['NEW', 'CONTACTED', 'INTERESTED', 'NOT_INTERESTED', 'CONVERTED'] as const;
export type ProspectStatus = (typeof PROSPECT_STATUSES)[number];

export interface ProspectRow {
  id: number;
  owner_id: number;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  notes: string | null;
  status: ProspectStatus;
  next_step: string | null;
  next_step_date: string | null;
  source: 'MANUAL' | 'CSV' | 'VCARD';
  created_at: string;
  updated_at: string;
  /** The prospect import that wrote it. */
  import_id: number | null;
}

// People type numbers any way on a phone: accept the usual punctuation, require 6-15 digits.
const phone = z
  .string()
  .trim()
  .max(40)
  .refine((s) => /^\+?[\d\s().\-/]+$/.test(s) && /^\d{6,15}$/.test(s.replace(/\D/g, '')), {
    message: 'Not a phone number (6 to 15 digits).',
  });

export const prospectFields = {
  firstName: z.string().trim().min(1, 'Required.').max(100, 'At most 100 characters.'),
  lastName: z.string().trim().max(100, 'At most 100 characters.'),
  email: z.string().trim().toLowerCase().email('Not a valid e-mail address.').max(254),
  phone,
  notes: z.string().max(5000, 'At most 5,000 characters.'),
  status: z.enum(PROSPECT_STATUSES),
  nextStep: z.string().trim().max(500, 'At most 500 characters.'),
  nextStepDate: z.string().refine(isDay, 'Use a date, YYYY-MM-DD.'),
};

export const createProspectSchema = z.object({
  firstName: prospectFields.firstName,
  lastName: prospectFields.lastName.nullish(),
  email: prospectFields.email.nullish(),
  phone: prospectFields.phone.nullish(),
  notes: prospectFields.notes.nullish(),
  status: prospectFields.status.nullish(),
  nextStep: prospectFields.nextStep.nullish(),
  nextStepDate: prospectFields.nextStepDate.nullish(),
});
export type CreateProspect = z.infer<typeof createProspectSchema>;

/** A patch: an absent field keeps its value, null clears it (names cannot be cleared). */
export const updateProspectSchema = z.object({
  firstName: prospectFields.firstName.nullish(),
  lastName: prospectFields.lastName.nullish(),
  email: prospectFields.email.nullish(),
  phone: prospectFields.phone.nullish(),
  notes: prospectFields.notes.nullish(),
  status: prospectFields.status.nullish(),
  nextStep: prospectFields.nextStep.nullish(),
  nextStepDate: prospectFields.nextStepDate.nullish(),
});
