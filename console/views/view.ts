import type { LiveType } from '../live.ts';

/** One of the console's views: it renders itself into the main element and may follow live events. */
export interface View {
  title: string;
  render(root: HTMLElement): Promise<void>;
  live?(type: LiveType, data: Record<string, any>): void;
}
