// The queue message of autoship order generation (types only, so the queue's message union does not
// import the job handler and, through it, the Worker's Env).
import type { DueAutoship } from './repository';

export type AutoshipJob = { kind: 'autoship.generate'; jobId?: string } & DueAutoship;
