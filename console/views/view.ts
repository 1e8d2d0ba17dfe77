import { show, type Child } from '../dom.ts';
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

let latest = 0;

/**
 * Begins drawing a view into the main element, and returns what shows the drawing there. A drawing
 * waits for the API first; meanwhile the parent may have gone to another view, or a live event
 * begun to draw this one again. Only the drawing begun last may show what it made: an older one
 * finishing late shows nothing (and answers false), so it never covers a newer view.
 */
export function drawing(root: HTMLElement): (...children: (Child | Child[])[]) => boolean {
  const mine = ++latest;
  return (...children) => {
    if (mine !== latest) return false;
    show(root, ...children);
    return true;
  };
}
