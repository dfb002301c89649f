export type ServiceReport = { name: string; target: string; note: string };

export function formatReport(report: ServiceReport): string {
  return `${report.name.padEnd(10)} ok  ${report.target} (${report.note})`;
}
