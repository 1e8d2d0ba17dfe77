// The migrations, in order. A new migration file must be added here too (explicit list: no
// glob or dynamic import at runtime, so Node, Jest and bundles load the same set).
import { Migration20261123192208_initial } from './Migration20261123192208_initial.ts';
import { Migration20261123200000_heartbeat_functions } from './Migration20261123200000_heartbeat_functions.ts';
import { Migration20261123200100_metrics_snapshots } from './Migration20261123200100_metrics_snapshots.ts';
import { Migration20261123203206_retention_indexes } from './Migration20261123203206_retention_indexes.ts';
import { Migration20261123205000_cheaper_credit } from './Migration20261123205000_cheaper_credit.ts';
import { Migration20261202090000_old_apps } from './Migration20261202090000_old_apps.ts';
import { Migration20261202120000_lean_heartbeat } from './Migration20261202120000_lean_heartbeat.ts';
import { Migration20261202140000_allowed_hours } from './Migration20261202140000_allowed_hours.ts';
import { Migration20261202160000_requests_and_events } from './Migration20261202160000_requests_and_events.ts';
import { Migration20261202170000_login_throttles } from './Migration20261202170000_login_throttles.ts';
import { Migration20261206090000_devices_and_pin_proof } from './Migration20261206090000_devices_and_pin_proof.ts';
import { Migration20261206120000_family_rules } from './Migration20261206120000_family_rules.ts';
import { Migration20261206150000_idempotency_keys } from './Migration20261206150000_idempotency_keys.ts';
import { Migration20261207090000_week_bank_grace } from './Migration20261207090000_week_bank_grace.ts';
import { Migration20261207120000_parent_alerts } from './Migration20261207120000_parent_alerts.ts';

export const migrationsList = [
  { name: 'Migration20261123192208_initial', class: Migration20261123192208_initial },
  { name: 'Migration20261123200000_heartbeat_functions', class: Migration20261123200000_heartbeat_functions },
  { name: 'Migration20261123200100_metrics_snapshots', class: Migration20261123200100_metrics_snapshots },
  { name: 'Migration20261123203206_retention_indexes', class: Migration20261123203206_retention_indexes },
  { name: 'Migration20261123205000_cheaper_credit', class: Migration20261123205000_cheaper_credit },
  { name: 'Migration20261202090000_old_apps', class: Migration20261202090000_old_apps },
  { name: 'Migration20261202120000_lean_heartbeat', class: Migration20261202120000_lean_heartbeat },
  { name: 'Migration20261202140000_allowed_hours', class: Migration20261202140000_allowed_hours },
  { name: 'Migration20261202160000_requests_and_events', class: Migration20261202160000_requests_and_events },
  { name: 'Migration20261202170000_login_throttles', class: Migration20261202170000_login_throttles },
  { name: 'Migration20261206090000_devices_and_pin_proof', class: Migration20261206090000_devices_and_pin_proof },
  { name: 'Migration20261206120000_family_rules', class: Migration20261206120000_family_rules },
  { name: 'Migration20261206150000_idempotency_keys', class: Migration20261206150000_idempotency_keys },
  { name: 'Migration20261207090000_week_bank_grace', class: Migration20261207090000_week_bank_grace },
  { name: 'Migration20261207120000_parent_alerts', class: Migration20261207120000_parent_alerts },
];
