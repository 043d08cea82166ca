/** Letters (Mẫu 01, 04, 05): content model, forms per rule-set, wording. Pure, no I/O. */

export * from './compose';
export * from './content';
export * from './forms';
export * from './text';
export * from './wording';
