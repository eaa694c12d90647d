/**
 * Escaping for HTML text and attribute values. Everything in a report that comes from a model, a
 * path, a setting or a result (tensor names, notes, captions) goes through here, so a tensor named
 * `<script>` stays text.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `s` as HTML text or a quoted attribute value (both quote kinds escaped). */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
