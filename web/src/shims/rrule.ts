// The ESM build of rrule has named exports only; src/domain/windows.ts reads `default.RRule`.
import * as rrule from 'rrule/dist/esm/index.js';
export default rrule;
export * from 'rrule/dist/esm/index.js';
