/**
 * happy-dom has no layout engine: chart containers report the size a browser gives them in the app (a legend a
 * legend's height, or it would take the whole plot and the axes with it). Returns what puts the real method back.
 */
export function fakeChartLayout(): () => void {
  const measure = HTMLElement.prototype.getBoundingClientRect;
  HTMLElement.prototype.getBoundingClientRect = function (this: HTMLElement) {
    const height = this.classList.contains('recharts-legend-wrapper') ? 20 : 240;
    return { x: 0, y: 0, top: 0, left: 0, right: 480, bottom: height, width: 480, height, toJSON: () => ({}) };
  };
  return () => {
    HTMLElement.prototype.getBoundingClientRect = measure;
  };
}
