// The week as a bar chart (Chart.js, only the parts used, so the bundle stays small): watched
// minutes stacked as counted, educational and refused, extra time granted beside them, and the
// day's limit as a line. The canvas is a picture for sighted readers; the table next to it
// carries the same figures for everyone (screen readers, keyboard, copy and paste).
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { shortDay } from './format.ts';
import type { ProfileWeek } from './types.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

export const COLORS = { counted: '#1f5fa8', educational: '#2e7d32', refused: '#b3261e', extra: '#b26a00', limit: '#333333' };

let chart: Chart | null = null;

export function weekChart(canvas: HTMLCanvasElement, week: ProfileWeek): void {
  chart?.destroy();
  const days = week.daily_totals;
  const bar = (label: string, color: string, data: number[], stack = 'watched') =>
    ({ type: 'bar' as const, label, data, backgroundColor: color, stack, borderWidth: 0 });
  chart = new Chart(canvas, {
    data: {
      labels: days.map((d) => shortDay(d.date)),
      datasets: [
        bar('Counted', COLORS.counted, days.map((d) => d.counted_minutes)),
        bar('Educational', COLORS.educational, days.map((d) => d.educational_minutes)),
        bar('Refused (outside allowed hours)', COLORS.refused, days.map((d) => d.refused_minutes)),
        bar('Extra time granted', COLORS.extra, days.map((d) => d.bonus_minutes), 'extra'),
        {
          type: 'line' as const, label: 'Limit', data: days.map((d) => d.limit_minutes), borderColor: COLORS.limit, backgroundColor: COLORS.limit,
          borderDash: [6, 4], borderWidth: 2, pointRadius: 3, stepped: 'middle' as const, spanGaps: false,
        },
      ],
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'minutes' } } },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 14 } } },
    },
  });
}
