/**
 * Kubernetes' timestamp format (metav1.Time: RFC 3339 in UTC, whole seconds), for the times the controller,
 * the CronJob code and the clients write into objects.
 */

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
