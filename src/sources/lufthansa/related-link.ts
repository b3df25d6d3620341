/**
 * The notification's link to its Flight Status resource: `Meta.Link` holds `{ "@Href", "@Rel" }`
 * entries, as an array or (Lufthansa's XML-to-JSON habit for single items) a bare object.
 */

function field(obj: unknown, key: string): unknown {
  return obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
}

export function relatedLink(notification: unknown): string | undefined {
  const link = field(field(notification, 'Meta'), 'Link');
  const entries = Array.isArray(link) ? link : link === undefined ? [] : [link];
  for (const entry of entries) {
    const href = field(entry, '@Href');
    if (field(entry, '@Rel') === 'related' && typeof href === 'string' && href) return href;
  }
  return undefined;
}
