import type { WeeklyReport, WeeklyReportInput } from '../parental-controls/weekly-report-types.ts';

/** CPU-bound work the domain needs; main.ts fills it with the worker-thread pool. */
export interface CpuWork {
  hash(secret: string, cost: number): Promise<string>;
  verify(secret: string, hash: string): Promise<boolean>;
  weeklyReport(input: WeeklyReportInput): Promise<WeeklyReport>;
}
