// The archive job's queue message (type-only, so jobs/messages.ts → env.ts forms no loop through a handler).

/** One step of archiving a period: write its chunks, read them back, then delete the live rows. */
export type ArchiveJob = {
  kind: 'archive.write' | 'archive.verify' | 'archive.delete';
  periodId: string;
  jobId?: string;
};
