import { Migration } from '@mikro-orm/migrations';

/**
 * A weekly budget, a time bank and finishing the title (issue 23, SPEC §3a):
 * - on the settings: weekly_limit_minutes (60..3360, steps of 15), the bank's cap (15..240, steps
 *   of 15) and bank_from (the first viewing day whose unused limit it banks: the day after it was
 *   turned on), finish_grace_minutes (0..30);
 * - on each day row, the facts its beats apply (the weekly limit, the week's end, the bank's cap,
 *   the grace) and, computed once when the row is created (vt_week), the bank at the day's start
 *   and what the week's earlier days counted and were granted; the day's overtime, and which
 *   graces it has used (the budget's, and one per window close);
 * - on a session, a finishing grace running: until when, and for which limit (budget or window).
 */
export class Migration20261207090000_week_bank_grace extends Migration {
  override name = 'Migration20261207090000_week_bank_grace';

  override up(): void {
    this.addSql(`alter table "viewing_time_configs" add column "weekly_limit_minutes" int null, add column "bank_cap_minutes" int null, add column "bank_from" date null, add column "finish_grace_minutes" smallint not null default 0;`);
    this.addSql(`alter table "viewing_time_configs" add constraint "vtc_weekly_limit_check" check (weekly_limit_minutes is null or (weekly_limit_minutes >= 60 and weekly_limit_minutes <= 3360 and weekly_limit_minutes % 15 = 0));`);
    this.addSql(`alter table "viewing_time_configs" add constraint "vtc_bank_check" check ((bank_cap_minutes is null) = (bank_from is null) and (bank_cap_minutes is null or (bank_cap_minutes >= 15 and bank_cap_minutes <= 240 and bank_cap_minutes % 15 = 0)));`);
    this.addSql(`alter table "viewing_time_configs" add constraint "vtc_finish_grace_check" check (finish_grace_minutes >= 0 and finish_grace_minutes <= 30);`);
    this.addSql(`alter table "viewing_time_balances" add column "weekly_limit_minutes" int null, add column "week_end" timestamptz null, add column "bank_cap_minutes" int null, add column "bank_seconds" int not null default 0, add column "week_used_seconds" int not null default 0, add column "week_bonus_seconds" int not null default 0, add column "finish_grace_minutes" smallint not null default 0, add column "overtime_seconds" int not null default 0, add column "grace_budget_used" boolean not null default false, add column "grace_window_ends" timestamptz[] not null default '{}';`);
    this.addSql(`alter table "viewing_time_balances" add constraint "vtb_week_bank_check" check (bank_seconds >= 0 and week_used_seconds >= 0 and week_bonus_seconds >= 0 and overtime_seconds >= 0);`);
    this.addSql(`alter table "viewing_sessions" add column "grace_until" timestamptz null, add column "grace_kind" varchar(6) null;`);
    this.addSql(`alter table "viewing_sessions" add constraint "vs_grace_check" check ((grace_until is null) = (grace_kind is null) and (grace_kind is null or grace_kind in ('budget', 'window')));`);
  }

  override down(): void {
    this.addSql(`alter table "viewing_sessions" drop constraint "vs_grace_check", drop column "grace_until", drop column "grace_kind";`);
    this.addSql(`alter table "viewing_time_balances" drop constraint "vtb_week_bank_check", drop column "weekly_limit_minutes", drop column "week_end", drop column "bank_cap_minutes", drop column "bank_seconds", drop column "week_used_seconds", drop column "week_bonus_seconds", drop column "finish_grace_minutes", drop column "overtime_seconds", drop column "grace_budget_used", drop column "grace_window_ends";`);
    this.addSql(`alter table "viewing_time_configs" drop constraint "vtc_weekly_limit_check", drop constraint "vtc_bank_check", drop constraint "vtc_finish_grace_check", drop column "weekly_limit_minutes", drop column "bank_cap_minutes", drop column "bank_from", drop column "finish_grace_minutes";`);
  }
}
