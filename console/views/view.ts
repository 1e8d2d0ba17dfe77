import type { LiveType } from '../live.ts';

/**
 * One of the console's views: it renders itself into the main element and may follow live events.
 * `item` is what the address names after the view (#/requests/{id}: the request to open it on).
 */
export interface View {
  title: string;
  render(root: HTMLElement, item?: string): Promise<void>;
  live?(type: LiveType, data: Record<string, any>): void;
}
