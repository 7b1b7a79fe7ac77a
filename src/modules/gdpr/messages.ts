/** The queue message of an export's one step: build the archive of export `exportId`. */
export interface GdprExportJob {
  kind: 'gdpr.export';
  exportId: number;
  jobId?: string;
}
