/**
 * Class weights (scikit-learn's `utils/class_weight.py`, compute_class_weight) and the error for
 * labels outside the classes, which computing them is the first to find.
 */
import { InvalidInputError } from '../../errors.js';

/** The error for a label of y that is not among the classes, naming its row. */
export function unknownLabel(caller: string, v: number, row: number, classes: Float64Array): InvalidInputError {
  return new InvalidInputError(`${caller}: y contains label ${v} (row ${row}) which is not among classes [${[...classes].join(', ')}].`);
}

/** {@link unknownLabel} for the unknown label of a permuted block that comes first in the original block. */
export function firstUnknownLabel(
  caller: string,
  y: Float64Array,
  classes: Float64Array,
  rowOf: (row: number) => number,
): InvalidInputError {
  let best = -1;
  let label = 0;
  for (let r = 0; r < y.length; r++) {
    if (!classes.includes(y[r]!)) {
      const o = rowOf(r);
      if (best < 0 || o < best) {
        best = o;
        label = y[r]!;
      }
    }
  }
  return unknownLabel(caller, label, best, classes);
}

/**
 * scikit-learn's compute_class_weight: ones, a user dict, or 'balanced' (n / (k · count)).
 * Throws when y holds a label outside `classes` (unless `skipLabelCheck`, for callers that check).
 */
export function computeClassWeight(
  caller: string,
  classWeight: unknown,
  classes: Float64Array,
  y: Float64Array,
  skipLabelCheck = false,
): Float64Array {
  // classes are sorted: a binary search per label.
  const k = classes.length;
  for (let i = 0; !skipLabelCheck && i < y.length; i++) {
    const v = y[i]!;
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (classes[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (classes[lo] !== v) throw unknownLabel(caller, v, i, classes);
  }
  const weight = new Float64Array(classes.length).fill(1);
  if (classWeight === null || classWeight === undefined) return weight;
  if (classWeight === 'balanced') {
    const counts = new Map<number, number>();
    for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (const c of classes) {
      if (!counts.has(c)) throw new InvalidInputError(`${caller}: classWeight 'balanced' needs every class in y; class ${c} is missing.`);
    }
    const nPresent = counts.size;
    classes.forEach((c, i) => (weight[i] = y.length / (nPresent * counts.get(c)!)));
    return weight;
  }
  const dict = classWeight as Record<string, number>;
  const unweighted: number[] = [];
  classes.forEach((c, i) => {
    const key = String(c);
    if (Object.hasOwn(dict, key)) weight[i] = dict[key]!;
    else unweighted.push(c);
  });
  if (unweighted.length > 0 && classes.length - unweighted.length !== Object.keys(dict).length) {
    throw new InvalidInputError(
      `${caller}: the classes [${unweighted.join(', ')}] are not in classWeight, and classWeight names labels that are not classes.`,
    );
  }
  return weight;
}
