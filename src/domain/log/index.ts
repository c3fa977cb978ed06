export * from './log-error.js';
export * from './encoding.js';
export * from './merkle.js';
export * from './note.js';
export * from './heads.js';
export { sha256Js, hashChildrenInto } from './sha256-js.js';
export * from './entry-text.js';
export * from './restricted.js';
export * from './subject.js';
