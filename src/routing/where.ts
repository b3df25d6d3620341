/**
 * The `where` conditions of a webhook: a tiny, documented language on the parsed JSON payload.
 *
 *   where:
 *     Update.Code: ["ASM CNL", "ASM RPL DIV"]   # the field equals one of the listed values
 *     Meta.@Version: "1.0.0"                    # a single value is a list of one
 *     Meta.Link.0.@Rel: related                 # a numeric segment indexes an array
 *
 * - A key is a dotted path into the payload: each segment is an object key, or an array index when
 *   the value at that point is an array. Keys that contain a dot cannot be addressed.
 * - A value is a string, number, boolean or null, or a list of them; the field must equal one of
 *   them exactly (no type coercion: 400 does not match "400"). `null` also matches a missing field.
 * - Every entry must hold (AND); within one entry any listed value will do (OR).
 * - A payload that is not JSON has no fields, so no condition holds on it.
 */

import { valueAtPath } from '../core/index.js';

export type WhereValue = string | number | boolean | null;

export interface WhereCondition {
  path: string[];
  accepted: WhereValue[];
}

export function compileWhere(where: Record<string, unknown>): WhereCondition[] {
  return Object.entries(where).map(([path, accepted]) => ({
    path: path.split('.'),
    accepted: (Array.isArray(accepted) ? accepted : [accepted]) as WhereValue[],
  }));
}

export function whereHolds(conditions: readonly WhereCondition[], json: unknown, isJson: boolean): boolean {
  if (conditions.length === 0) return true;
  if (!isJson) return false;
  return conditions.every(({ path, accepted }) => {
    const value = valueAtPath(json, path);
    return accepted.some((a) => (a === null ? value === null || value === undefined : a === value));
  });
}
