import { Migration } from '@mikro-orm/migrations';

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const limitCheck = (col: string) => `"${col}" is null or ("${col}" >= 15 and "${col}" <= 480 and "${col}" % 15 = 0)`;

/**
 * Family rules (issue 21):
 * - a limit for each day of the week (filled from the weekday and weekend columns, which go: the
 *   API keeps them as a view of Monday and Saturday);
 * - the break rule on the settings, and on each day row (the facts its beats apply), with the
 *   continuous viewing a break counts (carried from day row to day row);
 * - family_rule_spans: each pause and each break, from when to when (the reports count them per
 *   day); closed_at ends a span early (a pause lifted or replaced) or marks a pause that ran out
 *   as seen by the sweep, so the one open pause of a profile is found by a partial unique index.
 */
export class Migration20261206120000_family_rules extends Migration {
  override name = 'Migration20261206120000_family_rules';

  override up(): void {
    for (const d of DAYS) {
      this.addSql(`alter table "viewing_time_configs" add column "${d}_limit_minutes" int null;`);
      this.addSql(`alter table "viewing_time_configs" add constraint "vtc_${d}_limit_check" check (${limitCheck(`${d}_limit_minutes`)});`);
    }
    this.addSql(`update "viewing_time_configs" set ${DAYS.map((d, i) => `"${d}_limit_minutes" = ${i < 5 ? '"weekday_limit_minutes"' : '"weekend_limit_minutes"'}`).join(', ')};`);
    this.addSql(`alter table "viewing_time_configs" drop constraint if exists "vtc_weekday_limit_check", drop constraint if exists "vtc_weekend_limit_check";`);
    this.addSql(`alter table "viewing_time_configs" drop column "weekday_limit_minutes", drop column "weekend_limit_minutes";`);
    this.addSql(`alter table "viewing_time_configs" add column "break_after_minutes" int null, add column "break_minutes" int null;`);
    this.addSql(`alter table "viewing_time_configs" add constraint "vtc_break_rule_check" check ((break_after_minutes is null) = (break_minutes is null) and (break_after_minutes is null or (break_after_minutes >= 15 and break_after_minutes <= 180 and break_after_minutes % 15 = 0 and break_minutes >= 5 and break_minutes <= 60 and break_minutes % 5 = 0)));`);
    this.addSql(`alter table "viewing_time_balances" add column "break_after_minutes" int null, add column "break_minutes" int null, add column "continuous_seconds" int not null default 0, add column "counted_at" timestamptz null, add column "break_until" timestamptz null, add column "credit_started_break" boolean not null default false;`);
    this.addSql(`create table "family_rule_spans" ("id" uuid not null, "profile_id" uuid not null, "kind" varchar(5) not null, "started_at" timestamptz not null, "ends_at" timestamptz null, "closed_at" timestamptz null, "set_by_id" uuid null, constraint "family_rule_spans_pkey" primary key ("id"));`);
    this.addSql(`alter table "family_rule_spans" add constraint "frs_kind_check" check (kind in ('pause', 'break'));`);
    this.addSql(`alter table "family_rule_spans" add constraint "frs_span_check" check ((ends_at is null or ends_at > started_at) and (closed_at is null or closed_at >= started_at));`);
    this.addSql(`create index "frs_profile_started_idx" on "family_rule_spans" ("profile_id", "started_at");`);
    this.addSql(`create unique index "frs_one_active_pause" on "family_rule_spans" ("profile_id") where kind = 'pause' and closed_at is null;`);
    this.addSql(`alter table "family_rule_spans" add constraint "family_rule_spans_profile_id_foreign" foreign key ("profile_id") references "profiles" ("id") on delete cascade;`);
    this.addSql(`alter table "family_rule_spans" add constraint "family_rule_spans_set_by_id_foreign" foreign key ("set_by_id") references "users" ("id") on delete set null;`);
  }

  override down(): void {
    this.addSql(`drop table if exists "family_rule_spans" cascade;`);
    this.addSql(`alter table "viewing_time_balances" drop column "break_after_minutes", drop column "break_minutes", drop column "continuous_seconds", drop column "counted_at", drop column "break_until", drop column "credit_started_break";`);
    this.addSql(`alter table "viewing_time_configs" drop constraint "vtc_break_rule_check", drop column "break_after_minutes", drop column "break_minutes";`);
    this.addSql(`alter table "viewing_time_configs" add column "weekday_limit_minutes" int null, add column "weekend_limit_minutes" int null;`);
    this.addSql(`update "viewing_time_configs" set "weekday_limit_minutes" = "monday_limit_minutes", "weekend_limit_minutes" = "saturday_limit_minutes";`);
    for (const d of DAYS) this.addSql(`alter table "viewing_time_configs" drop constraint "vtc_${d}_limit_check", drop column "${d}_limit_minutes";`);
  }
}
