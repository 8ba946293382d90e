/** One point of a metric curve: x is the optimizer step. */
export interface Point {
  step: number;
  value: number;
}

/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson, 2013): keeps the first and last points
 * and, from each of `threshold - 2` equal buckets in between, the point forming the largest triangle
 * with the point kept before it and the average of the next bucket, so peaks and dips survive.
 * Returns the input itself when it already has `threshold` points or fewer.
 */
export function lttb<T extends Point>(points: readonly T[], threshold: number): T[] {
  const length = points.length;
  if (threshold >= length || threshold <= 0) return points as T[];
  if (threshold < 3) return threshold === 1 ? [points[length - 1]] : [points[0], points[length - 1]];
  const sampled: T[] = [points[0]];
  const bucketSize = (length - 2) / (threshold - 2);
  let kept = 0;
  for (let bucket = 0; bucket < threshold - 2; bucket++) {
    // average of the next bucket (the last point for the final bucket)
    const nextStart = Math.floor((bucket + 1) * bucketSize) + 1;
    const nextEnd = Math.min(Math.floor((bucket + 2) * bucketSize) + 1, length);
    let averageX = 0;
    let averageY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      averageX += points[i].step;
      averageY += points[i].value;
    }
    const nextCount = nextEnd - nextStart;
    if (nextCount > 0) {
      averageX /= nextCount;
      averageY /= nextCount;
    } else {
      averageX = points[length - 1].step;
      averageY = points[length - 1].value;
    }
    const start = Math.floor(bucket * bucketSize) + 1;
    const end = Math.floor((bucket + 1) * bucketSize) + 1;
    const anchorX = points[kept].step;
    const anchorY = points[kept].value;
    let largest = -1;
    let chosen = start;
    for (let i = start; i < end; i++) {
      const area = Math.abs((anchorX - averageX) * (points[i].value - anchorY) - (anchorX - points[i].step) * (averageY - anchorY));
      if (area > largest) {
        largest = area;
        chosen = i;
      }
    }
    sampled.push(points[chosen]);
    kept = chosen;
  }
  sampled.push(points[length - 1]);
  return sampled;
}
