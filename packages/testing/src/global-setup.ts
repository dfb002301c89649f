// Placeholder replaced by the integration fixtures (template database, services check).
export default function setup(): void {}
